// The worker's wrappers over libc's thread, exit and signal calls, so that
// what plugin code does outside its calls is recorded on the crash board as
// that plugin's doing: a thread it starts is marked as its own (a crash on
// it is the plugin's, whatever the pc), an _exit is recorded before it
// happens, and a signal it sends to its own worker is noted as evidence
// (SIGKILL and SIGALRM have no handler to record them). Signals to the
// supervisor, to other process groups or to every process are refused.
//
// golo-host-worker exports these names (CMake: --export-dynamic-symbol), so
// a plugin's references bind to them before libc's; for any caller that is
// not plugin code they pass straight through. Linked into the worker only.
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "board/board.h"
#include "worker/call_board.h"

namespace {

using golo::board::Entry;

template <class F>
F next_symbol(const char *name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

std::uint32_t plugin_caller(void *return_address, Entry *entry) {
  return golo::worker::board_plugin_caller(
      reinterpret_cast<std::uint64_t>(return_address), entry);
}

struct ThreadStart {
  void *(*start)(void *);
  void *arg;
  std::uint32_t version;
};

void *adopted_start(void *p) {
  const ThreadStart s = *static_cast<ThreadStart *>(p);
  delete static_cast<ThreadStart *>(p);
  golo::worker::board_adopt_thread(s.version);
  return s.start(s.arg);
}

// Where a signal from plugin code may go: its own worker (noted as
// evidence), or a process it started; never the supervisor or beyond.
bool signal_allowed(pid_t pid, int sig, std::uint32_t version, Entry entry) {
  const pid_t group = getpgrp();
  if (pid == -1 || pid == getppid() || (pid < -1 && -pid != group)) {
    spdlog::warn(
        "plugin code of job \"{}\" ({}) sent SIG{} to {}: refused, a "
        "plugin may not signal the supervisor or other processes",
        golo::worker::board_job_of(version), golo::board::entry_name(entry),
        sigabbrev_np(sig) ? sigabbrev_np(sig) : std::to_string(sig).c_str(),
        pid == -1 ? std::string("every process")
                  : "pid " + std::to_string(pid));
    return false;
  }
  if (pid == 0 || pid == getpid() || pid == -group)
    golo::worker::board_note_signal(sig, version, entry);
  return true;
}

}  // namespace

extern "C" {

int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                   void *(*start)(void *), void *arg) noexcept {
  static const auto next =
      next_symbol<int (*)(pthread_t *, const pthread_attr_t *,
                          void *(*)(void *), void *)>("pthread_create");
  Entry entry;
  const std::uint32_t v = plugin_caller(__builtin_return_address(0), &entry);
  if (v == 0) return next(thread, attr, start, arg);
  auto *s = new (std::nothrow) ThreadStart{start, arg, v};
  if (!s) return EAGAIN;
  const int rc = next(thread, attr, adopted_start, s);
  if (rc != 0) delete s;
  return rc;
}

[[noreturn]] void _exit(int status) {
  Entry entry;
  if (const std::uint32_t v =
          plugin_caller(__builtin_return_address(0), &entry))
    golo::worker::board_record_exit(v, entry);
  syscall(SYS_exit_group, status);
  __builtin_unreachable();
}

[[noreturn]] void _Exit(int status) noexcept {
  Entry entry;
  if (const std::uint32_t v =
          plugin_caller(__builtin_return_address(0), &entry))
    golo::worker::board_record_exit(v, entry);
  syscall(SYS_exit_group, status);
  __builtin_unreachable();
}

int kill(pid_t pid, int sig) noexcept {
  Entry entry;
  const std::uint32_t v = plugin_caller(__builtin_return_address(0), &entry);
  if (v != 0 && sig != 0 && !signal_allowed(pid, sig, v, entry)) {
    errno = EPERM;
    return -1;
  }
  return static_cast<int>(syscall(SYS_kill, pid, sig));
}

// Also called by the crash handler to die of its signal: async-signal-safe,
// so the kernel is asked directly.
int raise(int sig) noexcept {
  Entry entry;
  if (const std::uint32_t v =
          plugin_caller(__builtin_return_address(0), &entry))
    golo::worker::board_note_signal(sig, v, entry);
  return static_cast<int>(
      syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig));
}

unsigned alarm(unsigned seconds) noexcept {
  static const auto next = next_symbol<unsigned (*)(unsigned)>("alarm");
  Entry entry;
  if (const std::uint32_t v =
          plugin_caller(__builtin_return_address(0), &entry);
      v != 0 && seconds != 0)
    golo::worker::board_note_signal(SIGALRM, v, entry);
  return next(seconds);
}

}  // extern "C"
