// The worker's side of the crash board (board/board.h): which plugin
// version each thread is calling into, so that the supervisor can name the
// plugin that killed or wedged the worker. Also installs the handlers that
// record a fatal signal or an exit() made inside a plugin.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "board/board.h"

namespace golo::worker {

// Attaches to the board the supervisor passed (fd >= 0) or makes a private
// one (fd < 0, an unsupervised worker), and installs the crash handlers.
// Call once, before any plugin loads. Returns false with the reason.
bool attach_call_board(int fd, std::string &error);

board::Board &call_board();

// Records a plugin version before any of its code runs; returns its board id
// (never 0; the table is a ring of board::kMaxVersions entries).
std::uint32_t board_register_version(const std::string &job,
                                     std::uint64_t generation,
                                     const std::string &sha256,
                                     const std::string &file);
void board_set_code_range(std::uint32_t id, std::uint64_t begin,
                          std::uint64_t end);
void board_mark_unloaded(std::uint32_t id);
void board_set_phase(board::Phase phase);

// The plugin version whose code is calling, on evidence only: the caller's
// return address inside a plugin's mapping, else the thread's current
// plugin call, else the plugin that started this thread; 0 for host code.
// *entry gets where the plugin was. Async-signal-safe.
std::uint32_t board_plugin_caller(std::uint64_t return_address,
                                  board::Entry *entry);
// Marks the calling thread as started by plugin version id, for its life:
// whatever kills the worker on it is that plugin's, whatever the pc.
void board_adopt_thread(std::uint32_t id);
// Records an exit plugin code is making (_exit), before it happens.
void board_record_exit(std::uint32_t id, board::Entry entry);
// Records that plugin code sent sig to its own worker (kill, raise, alarm).
void board_note_signal(int sig, std::uint32_t id, board::Entry entry);
// The job of version id, as written on the board; "" when unknown.
std::string board_job_of(std::uint32_t id);
// What the supervisor wrote (board.h): why the worker before this one
// ended, and why this one is being replaced; "" when nothing.
std::string board_previous_end();
std::string board_retire_reason();
// When this worker attached its board (its start), UTC ms since the epoch.
std::int64_t board_started_unix_ms();
// Gives the calling thread an alternate signal stack, once, so that a stack
// overflow still reaches the crash handler and is attributed.
void board_ensure_altstack();
// Re-installs the crash handlers where code has replaced them; returns the
// signals whose handler had to be restored.
std::vector<int> board_restore_handlers();

// Calls of version id running now whose deadline has passed.
std::uint64_t board_stuck_calls(std::uint32_t id);

// The calling thread's call, put aside while its fiber is parked (other
// fibers' calls use the thread's slot meanwhile, and a parked call is not
// running plugin code) and put back when it resumes.
struct ParkedCall {
  std::uint32_t version = 0, entry = 0;
  std::int64_t started_ns = 0, deadline_ns = 0;
};
ParkedCall board_park_call() noexcept;
void board_resume_call(const ParkedCall &call) noexcept;

// Marks the calling thread as inside version id's entry point for its
// lifetime. Cheap: a coarse clock read and a few stores to this thread's own
// slot. Nests (restores what was there before).
class CallScope {
 public:
  CallScope(std::uint32_t version, board::Entry entry,
            std::int64_t deadline_ns = 0) noexcept;
  ~CallScope();
  CallScope(const CallScope &) = delete;
  CallScope &operator=(const CallScope &) = delete;

 private:
  board::Slot *slot_;
  std::uint32_t prev_version_, prev_entry_;
  std::int64_t prev_started_, prev_deadline_;
};

}  // namespace golo::worker
