#include "worker/idle_trim.h"

#include <malloc.h>

#include <utility>

namespace golo::worker {

IdleTrim::IdleTrim(std::function<bool()> idle, std::chrono::milliseconds period,
                   std::uint64_t growth)
    : idle_(std::move(idle)),
      period_(period),
      growth_(growth),
      thread_([this] { loop(); }) {}

IdleTrim::~IdleTrim() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void IdleTrim::loop() {
  // glibc's free bytes stay counted after a trim (only their pages go), so
  // what signals memory worth giving back is their growth since the
  // lowest count seen: bytes freed since, resident again.
  std::uint64_t low = mallinfo2().fordblks;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) {
    if (!idle_()) continue;  // a run's frees are its own to reuse
    const std::uint64_t free_now = mallinfo2().fordblks;
    if (free_now >= low + growth_) {
      malloc_trim(0);
      low = mallinfo2().fordblks;
    } else if (free_now < low) {
      low = free_now;
    }
  }
}

}  // namespace golo::worker
