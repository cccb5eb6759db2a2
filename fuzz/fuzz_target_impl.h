#pragma once
// The template behind expect_only_kiln_errors (fuzz/fuzz_target.h).
#include <exception>

#include "base/error.h"

namespace kiln::fuzz {

template <typename Fn>
void expect_only_kiln_errors(const char* target, Fn&& fn) {
  try {
    fn();
  } catch (const InternalError& e) {
    report_bug(target, std::string("internal error: ") + e.what());
  } catch (const Error&) {
    // Refused with a message: what a reader should do with bad input.
  } catch (const std::exception& e) {
    report_bug(target, std::string("a non-kiln exception escaped: ") + e.what());
  } catch (...) {
    report_bug(target, "an unknown exception escaped");
  }
}

}  // namespace kiln::fuzz
