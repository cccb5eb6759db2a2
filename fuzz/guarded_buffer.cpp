#include "fuzz/guarded_buffer.h"

#include <sys/mman.h>
#include <unistd.h>

#include "base/error.h"

namespace kiln::fuzz {

GuardedBuffer::GuardedBuffer(Type dtype, const std::vector<int64_t>& shape, GuardSide side) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  size_t bytes = static_cast<size_t>(dtype.bytes());
  for (int64_t d : shape) bytes *= static_cast<size_t>(d);
  const size_t data_pages = (bytes + page - 1) / page;
  length_ = (data_pages + 1) * page;
  base_ = mmap(nullptr, length_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  internal_assert(base_ != MAP_FAILED) << "mmap of a guarded buffer failed";
  char* first = static_cast<char*>(base_);
  char* data = nullptr;
  if (side == GuardSide::After) {
    // The data ends where the guard begins (aligned only to its element).
    mprotect(first + data_pages * page, page, PROT_NONE);
    data = first + data_pages * page - bytes;
  } else {
    mprotect(first, page, PROT_NONE);
    data = first + page;
  }
  view_ = Buffer::borrow(data, dtype, shape);
}

GuardedBuffer::~GuardedBuffer() { munmap(base_, length_); }

}  // namespace kiln::fuzz
