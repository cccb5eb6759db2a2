#pragma once
// Buffers with an inaccessible page right after their last byte (or right
// before their first), so a kernel that reads or writes one element past a
// tensor faults at once instead of reading a neighbour's memory.
#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/buffer.h"

namespace kiln::fuzz {

enum class GuardSide : uint8_t { After, Before };

/// A mapping holding one tensor against a PROT_NONE page; unmapped when
/// the last Buffer viewing it is gone.
class GuardedBuffer {
 public:
  GuardedBuffer(Type dtype, const std::vector<int64_t>& shape, GuardSide side);
  ~GuardedBuffer();
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;
  /// A borrowed view; valid while this object lives.
  const Buffer& buffer() const { return view_; }

 private:
  void* base_ = nullptr;
  size_t length_ = 0;
  Buffer view_;
};

}  // namespace kiln::fuzz
