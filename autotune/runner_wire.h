#pragma once
/// \file
/// The messages between the tuner and a runner process (autotune/gpu_runner.h)
/// over a Unix stream socket: one frame per message,
///
///   "KRN1" | u32 JSON length | u32 blob count | u64 length per blob | JSON | blobs
///
/// little-endian. The JSON says what the message is ("kind") and carries
/// its small fields; blobs carry bulk bytes (PTX, reference outputs). Every
/// length is bounded before anything is allocated, so garbage on the socket
/// is a clear error, never a huge allocation or a hang past the deadline.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codegen/cuda/launch_plan.h"

namespace kiln {

struct WireMessage {
  nlohmann::json meta;  ///< an object with at least "kind"
  std::vector<std::string> blobs;
  std::string kind() const { return meta.value("kind", ""); }
};

/// Bounds on what a frame may hold.
constexpr uint32_t kWireMaxJsonBytes = 1u << 20;
constexpr uint32_t kWireMaxBlobs = 64;
constexpr uint64_t kWireMaxBlobBytes = uint64_t(1) << 36;  // 64 GiB: an H200's outputs fit

/// Writes one message; false (with *why) when the peer is gone or the
/// message breaks a bound. Never raises SIGPIPE.
bool send_message(int fd, const WireMessage& m, std::string* why);

/// How a read ended.
enum class WireRead { Ok, Timeout, Closed, Garbage };

/// Reads one message within timeout_s (< 0: no deadline). Closed: the
/// peer closed the socket before a whole frame came; Garbage: the frame is
/// malformed (*why says how).
WireRead receive_message(int fd, double timeout_s, WireMessage* m, std::string* why);

/// A launch plan as JSON, without the module image (which travels as a blob).
nlohmann::json plan_to_json(const GpuLaunchPlan& plan);
/// Reads what plan_to_json wrote; throws UserError naming the field when
/// the JSON is malformed or out of range (a buffer index past the count, a
/// block dimension outside [1, 1024], more than 64 launches or buffers).
GpuLaunchPlan plan_from_json(const nlohmann::json& j, std::string image);

}  // namespace kiln
