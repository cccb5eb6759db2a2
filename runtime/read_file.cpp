// Bounded reads of user-named files. See read_file.h.
#include "runtime/read_file.h"

#include <fstream>

#include "base/error.h"

namespace kiln {

std::string read_file_bounded(const std::string& path, size_t max_bytes, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) user_error << what << " '" << path << "' cannot be read";
  std::string text;
  char chunk[65536];
  // One byte past the limit tells "exactly at the limit" from "larger".
  while (in && text.size() <= max_bytes) {
    in.read(chunk, static_cast<std::streamsize>(std::min(sizeof chunk, max_bytes + 1 - text.size())));
    text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  if (text.size() > max_bytes) {
    user_error << what << " '" << path << "' is larger than " << max_bytes
               << " bytes, the limit for such files; is it the right file?";
  }
  if (in.bad()) user_error << what << " '" << path << "' could not be read to its end";
  return text;
}

bool read_line_bounded(std::istream& in, std::string* line, size_t max_bytes,
                       const std::string& what) {
  line->clear();
  std::istream::int_type c = 0;
  bool any = false;
  while ((c = in.get()) != std::istream::traits_type::eof()) {
    any = true;
    if (c == '\n') return true;
    if (line->size() == max_bytes) {
      user_error << what << ": a line is longer than " << max_bytes
                 << " bytes, the limit; is the input the right file?";
    }
    line->push_back(static_cast<char>(c));
  }
  return any;
}

}  // namespace kiln
