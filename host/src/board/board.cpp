#include "board/board.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <new>

namespace golo::board {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
                  std::atomic<std::int64_t>::is_always_lock_free &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the board is shared between processes: atomics must be "
              "lock-free");

const char *entry_name(Entry e) {
  switch (e) {
    case Entry::kNone:
      return "outside any plugin call";
    case Entry::kLoad:
      return "loading (dlopen, constructors)";
    case Entry::kInit:
      return "golo_init";
    case Entry::kTrigger:
      return "golo_trigger";
    case Entry::kShutdown:
      return "golo_shutdown";
    case Entry::kOwnThread:
      return "a thread the plugin started";
  }
  return "?";
}

namespace {
Board *map_fd(int fd) {
  void *p =
      mmap(nullptr, sizeof(Board), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return p == MAP_FAILED ? nullptr : static_cast<Board *>(p);
}
}  // namespace

Board *create_shared(int *fd) {
  *fd = memfd_create("golo-board", MFD_CLOEXEC);
  if (*fd < 0) return nullptr;
  if (ftruncate(*fd, sizeof(Board)) != 0) {
    close(*fd);
    *fd = -1;
    return nullptr;
  }
  Board *b = map_fd(*fd);  // zero-filled by the kernel
  if (!b) {
    close(*fd);
    *fd = -1;
    return nullptr;
  }
  b->magic = kMagic;
  b->size = sizeof(Board);
  return b;
}

Board *attach(int fd) {
  const off_t len = lseek(fd, 0, SEEK_END);
  if (len != static_cast<off_t>(sizeof(Board))) {
    errno = EINVAL;
    return nullptr;
  }
  Board *b = map_fd(fd);
  if (b && (b->magic != kMagic || b->size != sizeof(Board))) {
    unmap(b);
    errno = EINVAL;
    return nullptr;
  }
  return b;
}

Board *create_private() {
  void *p = mmap(nullptr, sizeof(Board), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto *b = static_cast<Board *>(p);
  b->magic = kMagic;
  b->size = sizeof(Board);
  return b;
}

void unmap(Board *b) {
  if (b) munmap(b, sizeof(Board));
}

std::int64_t monotonic_coarse_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// A seqlock without standalone fences (GCC's ThreadSanitizer refuses them):
// each data store is a release, so a reader that sees any of them also sees
// the odd seq stored before; each data load is an acquire, so the reader's
// second seq load cannot move before them.
void write_call(Slot &slot, std::uint32_t version, std::uint32_t entry,
                std::int64_t started_ns, std::int64_t deadline_ns) {
  const std::uint32_t seq = slot.seq.load(std::memory_order_relaxed);
  slot.seq.store(seq + 1, std::memory_order_relaxed);
  slot.entry.store(entry, std::memory_order_release);
  slot.started_ns.store(started_ns, std::memory_order_release);
  slot.deadline_ns.store(deadline_ns, std::memory_order_release);
  slot.version.store(version, std::memory_order_release);
  slot.seq.store(seq + 2, std::memory_order_release);
}

bool read_call(const Slot &slot, CallView &out) {
  const std::uint32_t before = slot.seq.load(std::memory_order_acquire);
  if (before & 1) return false;  // being written
  out.version = slot.version.load(std::memory_order_acquire);
  out.entry = static_cast<Entry>(slot.entry.load(std::memory_order_acquire));
  out.started_ns = slot.started_ns.load(std::memory_order_acquire);
  out.deadline_ns = slot.deadline_ns.load(std::memory_order_acquire);
  return slot.seq.load(std::memory_order_relaxed) == before &&
         out.version != 0 && out.entry != Entry::kNone && out.started_ns != 0;
}

}  // namespace golo::board
