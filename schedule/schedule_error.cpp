#include "schedule/schedule_error.h"

#include "base/error.h"

namespace kiln {
namespace schedule_detail {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::string call_text(const TraceStep& step) {
  std::vector<std::string> args = step.names;
  for (int64_t v : step.ints) args.push_back(std::to_string(v));
  return step.primitive + "(" + join(args) + ")";
}

std::string attach_text(const StageSchedule& st) {
  switch (st.attach) {
    case AttachKind::Root: return "at root";
    case AttachKind::Inline: return "inlined";
    case AttachKind::At: return "at " + st.attach_loop;
  }
  return "?";
}

std::string loop_listing(const StageSchedule& st, const std::string& marked) {
  std::vector<std::string> loops;
  for (const std::string& loop : st.leaf_loops) {
    std::string item = loop == marked ? "[" + loop + "]" : loop;
    ForKind kind = st.kind_of(loop);
    if (kind != ForKind::Serial) item += str(" (", for_kind_name(kind), ")");
    loops.push_back(item);
  }
  std::string where = st.attach == AttachKind::Root ? "" : " (" + attach_text(st) + ")";
  return str("loops of ", st.name, where, ", outer to inner: ", join(loops));
}

std::string stage_listing(const std::vector<StageSchedule>& stages, const std::string& marked) {
  std::vector<std::string> items;
  for (const StageSchedule& st : stages) {
    std::string item = st.name == marked ? "[" + st.name + "]" : st.name;
    if (st.attach != AttachKind::Root) item += " (" + attach_text(st) + ")";
    items.push_back(item);
  }
  if (items.empty()) return "stages: none (the definition has no compute stage)";
  return "stages, producers first: " + join(items);
}

void refuse(const TraceStep& step, const std::string& message,
            const std::vector<std::string>& details) {
  std::string short_message = str("kiln: schedule error in ", call_text(step), ": ", message);
  std::string detailed = short_message;
  for (const std::string& line : details) detailed += "\n  " + line;
  throw ScheduleError(short_message, detailed);
}

}  // namespace schedule_detail
}  // namespace kiln
