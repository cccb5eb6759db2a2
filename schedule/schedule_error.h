#pragma once
/// \file
/// How a refused schedule primitive explains itself (internal to schedule/).
/// A refusal reads
///
///   kiln: schedule error in vectorize(C.k): 'C.k' is a reduction loop of stage 'C'; ...
///     loops of C, outer to inner: C.i.o, C.j.o, [C.k], C.i.i, C.j.i
///
/// The first line is the short message the tuner keeps; the indented lines
/// after it show the loops or stages involved, the offending one in brackets.

#include <sstream>
#include <string>
#include <vector>

#include "schedule/schedule.h"

namespace kiln {
namespace schedule_detail {

/// Concatenates its arguments as operator<< prints them.
template <typename... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

/// "a, b, c" (or with another separator).
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

/// The step as a call: "split(C.i, 4)", "cache_read(A, C, D)".
std::string call_text(const TraceStep& step);

/// "loops of C, outer to inner: C.i.o, [C.k], C.j.i (vectorized)"; the
/// loop named `marked` (if any) is bracketed, marked loops show their kind,
/// and a stage that is not at root says where it is computed.
std::string loop_listing(const StageSchedule& st, const std::string& marked = "");

/// "stages, producers first: A_cache, [B] (inlined), C (at D.j), D".
std::string stage_listing(const std::vector<StageSchedule>& stages,
                          const std::string& marked = "");

/// Where a stage is computed, for messages: "at root", "inlined", "at C.i".
std::string attach_text(const StageSchedule& st);

/// Throws the ScheduleError refusing `step`: the short message is
/// "kiln: schedule error in <call>: <message>", the detailed one adds each
/// line of `details` indented below it.
[[noreturn]] void refuse(const TraceStep& step, const std::string& message,
                         const std::vector<std::string>& details = {});

}  // namespace schedule_detail
}  // namespace kiln
