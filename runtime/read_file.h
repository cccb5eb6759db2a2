#pragma once
/// \file
/// Reading files a user names, with a size bound: a trace, a package spec or
/// an import given as /dev/zero, a FIFO or a huge file must end in a clear
/// error naming the limit, not in gigabytes of memory or a hang.

#include <cstddef>
#include <istream>
#include <string>

namespace kiln {

/// Bounds on what kiln reads from files.
constexpr size_t kMaxTraceFileBytes = size_t(16) << 20;    ///< a schedule trace
constexpr size_t kMaxSpecFileBytes = size_t(16) << 20;     ///< a package spec
constexpr size_t kMaxImportLineBytes = size_t(16) << 20;   ///< one line of a db import
constexpr size_t kMaxImportBytes = size_t(4) << 30;        ///< a whole db import

/// The contents of `path`, at most max_bytes. Throws UserError "<what>
/// '<path>' cannot be read" or "... is larger than N bytes (the limit)".
std::string read_file_bounded(const std::string& path, size_t max_bytes, const std::string& what);

/// Reads one line (without its '\n') of at most max_bytes into *line.
/// Returns false at the end of the input. Throws UserError naming `what`
/// and the limit when a line is longer.
bool read_line_bounded(std::istream& in, std::string* line, size_t max_bytes,
                       const std::string& what);

}  // namespace kiln
