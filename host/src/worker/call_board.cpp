#include "worker/call_board.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace golo::worker {

namespace {

std::atomic<board::Board *> g_board_{nullptr};
// The worker's pid: a process a plugin forked shares the board's pages, and
// its own crash or exit must not be recorded as the worker's.
std::atomic<pid_t> g_worker_pid_{0};
// When the board was attached: the worker's start (UTC ms).
std::atomic<std::int64_t> g_started_unix_ms_{0};

bool in_worker() { return getpid() == g_worker_pid_.load(); }

// The attached board, or, in a process that never attached one (unit tests,
// tools), a private one made on first use.
board::Board *the_board() {
  if (board::Board *b = g_board_.load(std::memory_order_acquire)) return b;
  static board::Board *const fallback = [] {
    board::Board *b = board::create_private();
    board::Board *expected = nullptr;
    return g_board_.compare_exchange_strong(expected, b) ? b : expected;
  }();
  return g_board_.load(std::memory_order_acquire) ? g_board_.load() : fallback;
}

// This thread's slot, taken on its first plugin call. A thread that finds
// the table full uses a slot of its own memory: the supervisor cannot see
// it, but the crash handler still can.
thread_local board::Slot *t_slot = nullptr;
thread_local board::Slot t_unshared;
// The plugin version that started this thread (0: the host did).
thread_local std::uint32_t t_owner = 0;

// This thread's alternate signal stack, unmapped when the thread ends.
struct AltStack {
  void *base = nullptr;
  std::size_t size = 0;
  ~AltStack() {
    if (!base) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
    munmap(base, size);
  }
};
thread_local AltStack t_altstack;

struct SlotRelease {
  ~SlotRelease() {
    if (t_slot && t_slot != &t_unshared)
      t_slot->owner.store(0, std::memory_order_release);
  }
};
thread_local SlotRelease t_release;

std::int32_t this_tid() {
  return static_cast<std::int32_t>(syscall(SYS_gettid));
}

board::Slot *acquire_slot() {
  (void)&t_release;  // registers the release at thread exit
  const std::int32_t tid = this_tid();
  // Start where the last thread left off, so acquisition is usually O(1).
  static std::atomic<std::uint32_t> hint{0};
  const std::uint32_t start = hint.load(std::memory_order_relaxed);
  for (std::uint32_t n = 0; n < board::kMaxSlots; ++n) {
    const std::uint32_t i = (start + n) % board::kMaxSlots;
    std::int32_t free_owner = 0;
    board::Slot &s = the_board()->slots[i];
    if (s.owner.load(std::memory_order_relaxed) == 0 &&
        s.owner.compare_exchange_strong(free_owner, tid,
                                        std::memory_order_acq_rel)) {
      hint.store(i + 1, std::memory_order_relaxed);
      std::uint32_t used =
          the_board()->slots_used.load(std::memory_order_relaxed);
      while (used < i + 1 && !the_board()->slots_used.compare_exchange_weak(
                                 used, i + 1, std::memory_order_relaxed)) {
      }
      return &s;
    }
  }
  return &t_unshared;
}

inline board::Slot *my_slot() {
  board::Slot *s = t_slot;
  if (__builtin_expect(s == nullptr, 0)) {
    s = t_slot = acquire_slot();
    board_ensure_altstack();  // the first plugin call on this thread
  }
  return s;
}

std::uint32_t version_at(std::uint64_t address) {
  if (address == 0) return 0;
  const std::uint32_t n =
      std::min(the_board()->versions_used.load(std::memory_order_acquire),
               board::kMaxVersions);
  // Newest first: a range reused by a later mapping belongs to the later one.
  for (std::uint32_t i = n; i-- > 0;) {
    const board::Version &v = the_board()->versions[i];
    if (address >= v.code_begin.load(std::memory_order_relaxed) &&
        address < v.code_end.load(std::memory_order_relaxed))
      return i + 1;
  }
  return 0;
}

// Records who was running, once (the first death wins); it does not end
// the process: the signal handler re-raises after it, the exit hook lets
// the exit go on. Only async-signal-safe work: loads and stores.
void record(board::Death death, int sig, std::uint64_t address) {
  if (!in_worker()) return;
  board::Crash &c = the_board()->crash;
  std::uint32_t expected = 0;
  if (!c.recorded.compare_exchange_strong(expected, 1)) return;
  c.death = static_cast<std::uint32_t>(death);
  c.signal = sig;
  c.tid = this_tid();
  c.address = address;
  board::Slot *s = t_slot;
  std::uint32_t version = s ? s->version.load(std::memory_order_relaxed) : 0;
  std::uint32_t entry = s ? s->entry.load(std::memory_order_relaxed) : 0;
  if (version == 0) version = t_owner;
  if (version == 0) version = version_at(address);
  if (version != 0 && entry == 0)
    entry = static_cast<std::uint32_t>(board::Entry::kOwnThread);
  c.version = version;
  c.entry = entry;
}

const int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE,
                             SIGABRT, SIGSYS, SIGTRAP};

// A signal sent (kill, raise, tgkill) rather than a fault: by another
// process, no plugin is to blame; by this one, the plugin that noted it as
// it sent it (plugin_guard), if any. For a signal that is no fault (SIGUSR1,
// SIGALRM...) the thread it lands on proves nothing, so nobody is named
// without that evidence.
void record_sent(int sig, const siginfo_t *info, bool fault = true) {
  if (!in_worker()) return;
  const bool sent_signal = info && info->si_code <= 0;
  const bool outside = sent_signal && info->si_pid != getpid();
  const board::SentSignal &sent = the_board()->sent[sig];
  const std::uint32_t noted = outside ? 0 : sent.version.load();
  if (fault && !outside && noted == 0) return;  // record() judges
  board::Crash &c = the_board()->crash;
  std::uint32_t expected = 0;
  if (!c.recorded.compare_exchange_strong(expected, 1)) return;
  c.death = static_cast<std::uint32_t>(board::Death::kSignal);
  c.signal = sig;
  c.tid = this_tid();
  c.address = 0;
  c.sender = outside ? info->si_pid : 0;
  c.version = noted;
  c.entry = noted ? sent.entry.load() : 0;
}

void on_fatal_signal(int sig, siginfo_t *info, void *uc_void) {
  std::uint64_t pc = 0;
#if defined(__x86_64__)
  pc = static_cast<std::uint64_t>(
      static_cast<ucontext_t *>(uc_void)->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  pc = static_cast<ucontext_t *>(uc_void)->uc_mcontext.pc;
#else
  (void)uc_void;
#endif
  // A jump into unmapped code faults at the address it jumped to.
  if (version_at(pc) == 0 && info && (sig == SIGSEGV || sig == SIGBUS))
    if (version_at(reinterpret_cast<std::uint64_t>(info->si_addr)) != 0)
      pc = reinterpret_cast<std::uint64_t>(info->si_addr);
  record_sent(sig, info);
  record(board::Death::kSignal, sig, pc);  // no-op once recorded
  // Die of the signal itself, so the supervisor sees it in wait status.
  signal(sig, SIG_DFL);
  raise(sig);  // pending until this handler returns (sig is blocked here)
}

// Signals whose default is to end the process but are no fault of the
// thread they land on.
const int kAsyncSignals[] = {SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF,
                             SIGXCPU, SIGXFSZ, SIGIO,   SIGPWR,    SIGQUIT};

void on_async_signal(int sig, siginfo_t *info, void *) {
  record_sent(sig, info, false);
  signal(sig, SIG_DFL);
  raise(sig);
}

void on_exit() {
  if (the_board()->phase.load() ==
      static_cast<std::uint32_t>(board::Phase::kStopping))
    return;
  board::Slot *s = t_slot;
  if ((s && s->version.load(std::memory_order_relaxed) != 0) || t_owner != 0)
    record(board::Death::kExit, 0, 0);
}

// The fatal handlers, and the recording ones for the other signals that end
// a process (these only at start: a plugin may take SIGALRM for itself).
void install_handlers(bool with_async) {
  struct sigaction sa {};
  sa.sa_sigaction = on_fatal_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  for (int sig : kFatalSignals) sigaction(sig, &sa, nullptr);
  sa.sa_sigaction = on_async_signal;
  if (with_async)
    for (int sig : kAsyncSignals) sigaction(sig, &sa, nullptr);
}

}  // namespace

bool attach_call_board(int fd, std::string &error) {
  board::Board *b = fd >= 0 ? board::attach(fd) : board::create_private();
  g_board_.store(b, std::memory_order_release);
  g_worker_pid_.store(getpid());
  g_started_unix_ms_.store(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  if (!b) {
    error = fd >= 0
                ? "--board-fd " + std::to_string(fd) +
                      " is not a golo board: " + std::strerror(errno)
                : std::string("cannot map a board: ") + std::strerror(errno);
    return false;
  }
  install_handlers(true);
  board_ensure_altstack();
  std::atexit(on_exit);
  return true;
}

std::uint32_t board_plugin_caller(std::uint64_t return_address,
                                  board::Entry *entry) {
  if (const std::uint32_t v = version_at(return_address)) {
    const board::Slot *s = t_slot;
    const bool in_call = s && s->version.load(std::memory_order_relaxed) == v;
    *entry = in_call ? static_cast<board::Entry>(s->entry.load())
                     : board::Entry::kOwnThread;
    return v;
  }
  if (const board::Slot *s = t_slot)
    if (const std::uint32_t v = s->version.load(std::memory_order_relaxed)) {
      *entry = static_cast<board::Entry>(s->entry.load());
      return v;
    }
  *entry = board::Entry::kOwnThread;
  return t_owner;
}

void board_adopt_thread(std::uint32_t id) {
  t_owner = id;
  board_ensure_altstack();
}

void board_record_exit(std::uint32_t id, board::Entry entry) {
  if (!in_worker()) return;
  board::Crash &c = the_board()->crash;
  std::uint32_t expected = 0;
  if (!c.recorded.compare_exchange_strong(expected, 1)) return;
  c.death = static_cast<std::uint32_t>(board::Death::kExit);
  c.signal = -1;  // _exit: no exit handlers ran
  c.tid = this_tid();
  c.address = 0;
  c.version = id;
  c.entry = static_cast<std::uint32_t>(entry);
}

void board_note_signal(int sig, std::uint32_t id, board::Entry entry) {
  if (sig <= 0 || sig >= board::kMaxSignal || !in_worker()) return;
  board::SentSignal &s = the_board()->sent[sig];
  s.entry.store(static_cast<std::uint32_t>(entry), std::memory_order_relaxed);
  s.version.store(id, std::memory_order_release);
}

namespace {

// Written by the other process: read within the field, whatever it holds.
template <std::size_t N>
std::string field_text(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}
}  // namespace

std::string board_previous_end() {
  return field_text(the_board()->previous_end);
}
std::string board_retire_reason() {
  return field_text(the_board()->retire_reason);
}
std::int64_t board_started_unix_ms() { return g_started_unix_ms_.load(); }

std::string board_job_of(std::uint32_t id) {
  if (id == 0 || id > board::kMaxVersions) return "";
  const board::Version &v = the_board()->versions[id - 1];
  return std::string(v.job, strnlen(v.job, sizeof v.job));
}

void board_ensure_altstack() {
  if (t_altstack.base) return;
  const long min = sysconf(_SC_SIGSTKSZ);
  const std::size_t size =
      std::max<std::size_t>(64 * 1024, min > 0 ? 2 * std::size_t(min) : 0);
  void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) return;
  stack_t st{};
  st.ss_sp = p;
  st.ss_size = size;
  if (sigaltstack(&st, nullptr) != 0) {
    munmap(p, size);
    return;
  }
  t_altstack.base = p;
  t_altstack.size = size;
}

std::vector<int> board_restore_handlers() {
  std::vector<int> replaced;
  for (int sig : kFatalSignals) {
    struct sigaction now {};
    sigaction(sig, nullptr, &now);
    if ((now.sa_flags & SA_SIGINFO) && now.sa_sigaction == on_fatal_signal)
      continue;
    replaced.push_back(sig);
  }
  if (!replaced.empty()) install_handlers(false);
  return replaced;
}

board::Board &call_board() { return *the_board(); }

std::uint32_t board_register_version(const std::string &job,
                                     std::uint64_t generation,
                                     const std::string &sha256,
                                     const std::string &file) {
  // A ring: a long-lived worker that loaded more versions than the table
  // holds reuses the oldest entries (their plugins long unloaded).
  static std::atomic<std::uint64_t> next{0};
  const std::uint64_t n = next.fetch_add(1);
  const auto i = static_cast<std::uint32_t>(n % board::kMaxVersions);
  board::Version &v = the_board()->versions[i];
  v.ready.store(0, std::memory_order_relaxed);
  v.unloaded.store(0, std::memory_order_relaxed);
  v.code_begin.store(0, std::memory_order_relaxed);
  v.code_end.store(0, std::memory_order_relaxed);
  v.generation = generation;
  auto copy = [](char *dst, std::size_t cap, const std::string &src) {
    const std::size_t len = std::min(cap - 1, src.size());
    std::memcpy(dst, src.data(), len);
    dst[len] = '\0';
  };
  copy(v.job, sizeof v.job, job);
  copy(v.sha256, sizeof v.sha256, sha256);
  copy(v.file, sizeof v.file, file);
  v.ready.store(1, std::memory_order_release);
  if (n < board::kMaxVersions)
    the_board()->versions_used.store(i + 1, std::memory_order_release);
  return i + 1;
}

void board_set_code_range(std::uint32_t id, std::uint64_t begin,
                          std::uint64_t end) {
  if (id == 0) return;
  board::Version &v = the_board()->versions[id - 1];
  v.code_begin.store(begin, std::memory_order_relaxed);
  v.code_end.store(end, std::memory_order_release);
}

void board_mark_unloaded(std::uint32_t id) {
  if (id == 0) return;
  the_board()->versions[id - 1].unloaded.store(1, std::memory_order_release);
}

void board_set_phase(board::Phase phase) {
  the_board()->phase.store(static_cast<std::uint32_t>(phase));
}

std::uint64_t board_stuck_calls(std::uint32_t id) {
  if (id == 0) return 0;
  const std::int64_t now = board::monotonic_coarse_ns();
  const std::uint32_t n =
      the_board()->slots_used.load(std::memory_order_relaxed);
  std::uint64_t stuck = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    board::CallView call;
    if (!board::read_call(the_board()->slots[i], call) || call.version != id)
      continue;
    if (call.deadline_ns != 0 && now > call.deadline_ns) ++stuck;
  }
  return stuck;
}

CallScope::CallScope(std::uint32_t version, board::Entry entry,
                     std::int64_t deadline_ns) noexcept
    : slot_(my_slot()) {
  prev_version_ = slot_->version.load(std::memory_order_relaxed);
  prev_entry_ = slot_->entry.load(std::memory_order_relaxed);
  prev_started_ = slot_->started_ns.load(std::memory_order_relaxed);
  prev_deadline_ = slot_->deadline_ns.load(std::memory_order_relaxed);
  board::write_call(*slot_, version, static_cast<std::uint32_t>(entry),
                    board::monotonic_coarse_ns(), deadline_ns);
}

CallScope::~CallScope() {
  board::write_call(*slot_, prev_version_, prev_entry_, prev_started_,
                    prev_deadline_);
}

ParkedCall board_park_call() noexcept {
  board::Slot *slot = my_slot();
  ParkedCall c{slot->version.load(std::memory_order_relaxed),
               slot->entry.load(std::memory_order_relaxed),
               slot->started_ns.load(std::memory_order_relaxed),
               slot->deadline_ns.load(std::memory_order_relaxed)};
  board::write_call(*slot, 0, 0, 0, 0);
  return c;
}

void board_resume_call(const ParkedCall &c) noexcept {
  board::write_call(*my_slot(), c.version, c.entry, c.started_ns,
                    c.deadline_ns);
}

}  // namespace golo::worker
