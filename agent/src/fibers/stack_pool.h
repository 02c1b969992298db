// Fiber stacks, pooled per loop: a fiber holds one only while an iteration
// is in flight, and a finished one goes back to the pool for the next. Each
// is its own mapping with a PROT_NONE guard page below it, so an overflow
// faults instead of overwriting a neighbour (two mappings each: with
// vm.max_map_count's default of 65,530, some 30,000 iterations can be parked
// at once per process).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/stack_context.hpp>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace golo::agent::detail {

class StackPool {
 public:
  explicit StackPool(std::size_t size) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    page_ = page;
    size_ = (size + page - 1) / page * page;
  }
  ~StackPool() {
    for (const auto &s : free_) unmap(s);
  }
  StackPool(const StackPool &) = delete;
  StackPool &operator=(const StackPool &) = delete;

  boost::context::stack_context take() {
    if (!free_.empty()) {
      const auto s = free_.back();
      free_.pop_back();
      last_ = s;
      return s;
    }
    // Reserved, not committed: only the pages a fiber touches cost memory.
    void *base =
        mmap(nullptr, size_ + page_, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base == MAP_FAILED)
      throw std::runtime_error(std::string("cannot map a fiber stack: ") +
                               std::strerror(errno));
    if (mprotect(base, page_, PROT_NONE) != 0) {
      const int err = errno;
      munmap(base, size_ + page_);
      throw std::runtime_error(
          std::string("cannot protect a fiber stack's guard page: ") +
          std::strerror(err));
    }
    boost::context::stack_context s;
    s.size = size_;
    s.sp = static_cast<char *>(base) + page_ + size_;  // stacks grow down
    last_ = s;
    return s;
  }
  void give(const boost::context::stack_context &s) {
#if defined(__SANITIZE_ADDRESS__)
    // A fiber that ends leaves its frames' redzones poisoned in ASan's
    // shadow (nothing unwinds them); the next fiber on this stack would
    // trip over them. Clean, as if fresh.
    __asan_unpoison_memory_region(static_cast<char *>(s.sp) - s.size, s.size);
#endif
    free_.push_back(s);
  }
  // The stack the last take() handed out (ASan needs its bounds).
  const boost::context::stack_context &last() const { return last_; }

 private:
  void unmap(const boost::context::stack_context &s) const {
#if defined(__SANITIZE_ADDRESS__)
    // The same for whatever is mapped here next.
    __asan_unpoison_memory_region(static_cast<char *>(s.sp) - s.size, s.size);
#endif
    munmap(static_cast<char *>(s.sp) - s.size - page_, s.size + page_);
  }
  std::size_t page_ = 4096, size_ = 0;
  std::vector<boost::context::stack_context> free_;
  boost::context::stack_context last_{};
};

// The allocator Boost.Context copies into each fiber: stacks from the pool,
// and back to it when the fiber ends.
struct PooledStack {
  StackPool *pool;
  boost::context::stack_context allocate() { return pool->take(); }
  void deallocate(boost::context::stack_context &s) noexcept { pool->give(s); }
};

}  // namespace golo::agent::detail
