#pragma once
/// \file
/// kiln's errors. Every failure a user can cause is a kiln::Error with a
/// message that says what was wrong and how to fix it:
/// - ScheduleError: a schedule primitive refused its arguments. It carries a
///   short message (cheap, for the tuner) and a detailed one (what()) that
///   also lists the stage's loops.
/// - UserError: anything else a user can cause (shapes, dtypes, files, CLI).
/// - InternalError: a bug in kiln, raised by internal_assert.

#include <sstream>
#include <stdexcept>
#include <string>

namespace kiln {

/// Base of every error kiln throws.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

/// A mistake in the caller's input: shapes, dtypes, files, arguments.
class UserError : public Error {
 public:
  explicit UserError(const std::string& msg) : Error(msg) {}
};

/// A schedule primitive refused its arguments.
class ScheduleError : public Error {
 public:
  ScheduleError(const std::string& short_message, const std::string& detailed)
      : Error(detailed), short_message_(short_message) {}
  /// One line, without the loop listing.
  const std::string& short_message() const { return short_message_; }

 private:
  std::string short_message_;
};

/// A bug in kiln itself.
class InternalError : public Error {
 public:
  explicit InternalError(const std::string& msg) : Error(msg) {}
};

namespace detail {
/// Collects a message with operator<< and throws E when destroyed, so
/// `user_error << "bad " << x;` reads as one statement.
template <typename E>
class ErrorBuilder {
 public:
  explicit ErrorBuilder(const char* prefix) { msg_ << prefix; }
  template <typename T>
  ErrorBuilder& operator<<(const T& v) {
    msg_ << v;
    return *this;
  }
  ~ErrorBuilder() noexcept(false) { throw E(msg_.str()); }

 private:
  std::ostringstream msg_;
};

inline std::string assert_prefix(const char* file, int line, const char* cond) {
  return std::string("kiln internal error at ") + file + ":" + std::to_string(line) +
         ": condition failed: " + cond + ": ";
}
}  // namespace detail

}  // namespace kiln

/// Throws kiln::UserError with the streamed message: `user_error << "...";`
#define user_error ::kiln::detail::ErrorBuilder<::kiln::UserError>("kiln: ")

/// Checks an invariant of kiln's own code; failing it is a kiln bug.
#define internal_assert(cond)                                                        \
  if (cond) {                                                                        \
  } else                                                                             \
    ::kiln::detail::ErrorBuilder<::kiln::InternalError>(                             \
        ::kiln::detail::assert_prefix(__FILE__, __LINE__, #cond).c_str())

/// Reports a kiln bug unconditionally.
#define internal_error internal_assert(false)
