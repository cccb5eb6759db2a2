#pragma once
/// \file
/// Pieces shared by the sliding-window ops (conv2d, depthwise_conv2d,
/// pool2d): the output extent of a window, the refusal of parameters that
/// leave no output, and the zero- (or -inf-) padded copy of an input that
/// lets the inner loops read without bounds tests.

#include <map>
#include <string>
#include <vector>

#include "dsl/compute.h"

namespace kiln {

/// Stride, padding and dilation of a window along both spatial axes.
struct WindowParams {
  int64_t stride = 1;
  int64_t pad = 0;
  int64_t dilation = 1;
};

/// The stride, pad and (when `has_dilation`; 1 otherwise) dilation among
/// an op's sizes: structural parameters, so constants (stride and
/// dilation at least 1, pad at least 0; an internal error otherwise).
WindowParams window_params(const std::string& op, const std::map<std::string, Expr>& sizes,
                           bool has_dilation);

/// (in + 2*pad - dilation*(window - 1) - 1) / stride + 1: how many window
/// positions fit along an axis of `in` elements (floor division, folded to
/// a constant when in and window are constants).
Expr window_output_extent(const Expr& in, const Expr& window, const WindowParams& w);
/// The same for known sizes, and 0 when no window fits (for counting flops
/// and bytes of parameters the op refuses).
int64_t window_output_extent(int64_t in, int64_t window, const WindowParams& w);

/// Throws UserError when the output extent along an axis is a constant
/// below 1. The message names the op, the parameters (in_name, window_name,
/// stride, pad, dilation when it is not 1), their values and the formula.
void check_window_output(const std::string& op, const std::string& in_name, const Expr& in,
                         const std::string& window_name, const Expr& window,
                         const WindowParams& w, bool has_dilation);

/// e rounded up to a multiple of m (folded when e is a constant).
Expr round_up(const Expr& e, int64_t m);

/// A stage `name` like `input` with its two spatial axes resized to Hp and
/// Wp: the last two axes (NCHW), or the two before a trailing channel axis
/// (channels_last, NHWC). It reads `input` shifted by `pad` along both and
/// gives `fill` outside it. Hp and Wp may exceed H + 2*pad: the
/// extra rows and columns are fill too, so a consumer may read a rounded-up
/// region without bounds tests.
Tensor padded_input(const Tensor& input, bool channels_last, const Expr& Hp, const Expr& Wp,
                    int64_t pad, const Expr& fill, const std::string& name);

/// The padded NCHW input split into `stride` column phases, so a window
/// with a stride reads contiguous columns: a stage `name` of shape
/// [N, C, Hp, stride, Wq] whose element [n, c, h, p, q] is padded column
/// q*stride + p of row h (rows and columns shifted by pad, `fill` outside
/// the input). Tap (y, x) of a window at offset (rr, ss) reads
/// [n, c, y*stride + rr, ss % stride, x + ss / stride].
Tensor phased_padded_input(const Tensor& input, const Expr& Hp, const Expr& Wq, int64_t stride,
                           int64_t pad, const Expr& fill, const std::string& name);

class Schedule;

/// The default CPU schedule of a per-channel window op in NCHW whose
/// definition is data_pad (phased_padded_input) -> `acc` [N, C, Ho, Wacc]
/// (a reduction over the window, Wacc a multiple of 16) -> `out`
/// [N, C, Ho, Wo] (elementwise on acc). Channels run in parallel; per
/// channel, the thread fills that channel's padded plane, then acc's plane
/// (vectorized by `lanes` along rows, no tail since Wacc is a multiple of
/// the vector, the window loops inside the vector loop's outer half), then
/// out's plane, so each is read back from cache.
void schedule_channel_window(Schedule& sch, const std::string& acc, const std::string& out,
                             int lanes);

}  // namespace kiln
