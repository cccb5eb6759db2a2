// The package's DLPack header: runtime/dlpack.h, embedded at build time
// (CMakeLists.txt), with the reference header's include guard in place of
// `#pragma once`.
#include "package/dlpack_header.h"

#include "base/error.h"
#include "package/runtime_dlpack_h.h"  // generated

namespace kiln {

const std::string& package_dlpack_header() {
  static const std::string text = [] {
    std::string body = generated::kRuntimeDlpackH;
    const std::string pragma = "#pragma once\n";
    internal_assert(body.rfind(pragma, 0) == 0) << "runtime/dlpack.h no longer starts with " << pragma;
    body.erase(0, pragma.size());
    return "#ifndef DLPACK_DLPACK_H_\n#define DLPACK_DLPACK_H_\n" + body +
           "\n#endif  /* DLPACK_DLPACK_H_ */\n";
  }();
  return text;
}

}  // namespace kiln
