// The crash board: a small shared-memory table that one worker writes and
// its supervisor reads, even after the worker has died. It says which plugin
// version each thread is calling into and since when, and, when the worker
// dies of a signal or an exit inside a plugin, which call did it.
//
// Written by the worker on the per-call path, so writes are a few relaxed
// stores to the calling thread's own slot; read by the supervisor by polling
// (stuck calls) and after the worker is gone (attribution). Plain data and
// lock-free atomics only: both processes map the same pages.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace golo::board {

inline constexpr std::uint32_t kMagic = 0x676f6c62;  // "golb"
inline constexpr std::uint32_t kMaxVersions = 512;
inline constexpr std::uint32_t kMaxSlots = 16384;

// Where in a plugin a thread was.
enum class Entry : std::uint32_t {
  kNone = 0,
  kLoad = 1,      // dlopen: the library's constructors
  kInit = 2,      // golo_init
  kTrigger = 3,   // golo_trigger
  kShutdown = 4,  // golo_shutdown
  kOwnThread = 5  // code of the plugin, on a thread the plugin started
};
const char *entry_name(Entry e);

// One loaded plugin version, written before any of its code runs.
struct Version {
  std::atomic<std::uint32_t> ready;  // 1 once the fields below are written
  std::atomic<std::uint32_t> unloaded;
  std::uint64_t generation;
  // The library's mapped address range, once dlopen returned: a crash whose
  // address is inside it is this plugin's even on a thread of its own.
  std::atomic<std::uint64_t> code_begin, code_end;
  char job[128];
  char sha256[65];
  char file[512];
};

// One thread's current call. version is an index + 1 into versions (0: not
// in a plugin). started_ns and deadline_ns are CLOCK_MONOTONIC(_COARSE).
// The owning thread writes the call fields as a seqlock: seq is odd while
// they change, so a reader in the other process never mixes two calls.
struct alignas(64) Slot {           // one cache line each: no false sharing
  std::atomic<std::int32_t> owner;  // tid of the thread holding the slot
  std::atomic<std::uint32_t> seq;
  std::atomic<std::uint32_t> version;
  std::atomic<std::uint32_t> entry;
  std::atomic<std::int64_t> started_ns;
  std::atomic<std::int64_t> deadline_ns;  // 0: none
};

enum class Death : std::uint32_t { kNone = 0, kSignal = 1, kExit = 2 };

struct Crash {
  std::atomic<std::uint32_t> recorded;  // set once, by the first to record
  std::uint32_t death;                  // Death
  std::int32_t signal;                  // with kExit: 0 exit(), -1 _exit()
  std::uint32_t version;                // index + 1, 0: outside any plugin
  std::uint32_t entry;                  // Entry
  std::int32_t tid;
  std::uint64_t address;  // the faulting instruction, when known
  std::int32_t sender;    // pid that sent the signal from outside, or 0
};

enum class Phase : std::uint32_t {
  kStarting = 0,
  kServing = 1,
  kStopping = 2,  // shutdown requested: an exit now is expected
};

// A signal plugin code sent to its own worker (kill, raise, alarm, through
// the worker's wrappers): the evidence for a death by that signal, which no
// handler can record (SIGKILL, SIGALRM, SIGUSR1...).
struct SentSignal {
  std::atomic<std::uint32_t> version;  // index + 1; 0: none
  std::atomic<std::uint32_t> entry;    // Entry
};
inline constexpr int kMaxSignal = 65;

struct Board {
  std::uint32_t magic;
  std::uint32_t size;
  std::atomic<std::uint32_t> phase;
  std::atomic<std::uint32_t> versions_used;
  std::atomic<std::uint32_t> slots_used;  // high-water mark
  Crash crash;
  SentSignal sent[kMaxSignal];
  Version versions[kMaxVersions];
  Slot slots[kMaxSlots];
};

// A board in a fresh memfd (fd returned in *fd, inheritable by a child once
// its FD_CLOEXEC is cleared), or nullptr with errno set.
Board *create_shared(int *fd);
// Maps the board the supervisor passed as fd; nullptr when it is not one.
Board *attach(int fd);
// A board in this process only, for a worker that runs unsupervised.
Board *create_private();
void unmap(Board *b);

std::int64_t monotonic_coarse_ns();

// Sets a slot's call fields (the owning thread only), as one seqlock write.
void write_call(Slot &slot, std::uint32_t version, std::uint32_t entry,
                std::int64_t started_ns, std::int64_t deadline_ns);

// One slot's call, read by the supervisor while the worker may be ending it
// or starting the next: false when the slot holds no call or was being
// written while it was read (without the seqlock a reader could pair a live
// version with a started time of 0, "running since boot"). Read it again on
// the next poll.
struct CallView {
  std::uint32_t version;
  Entry entry;
  std::int64_t started_ns, deadline_ns;
};
bool read_call(const Slot &slot, CallView &out);

}  // namespace golo::board
