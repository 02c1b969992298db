// The crash board's reader against a thread making calls as fast as it can:
// a call that is ending is never seen as one running since boot.
#include "board/board.h"

#include <doctest/doctest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "worker/call_board.h"

using namespace golo;

TEST_CASE("read_call sees whole calls only, while calls start and end") {
  const auto id = worker::board_register_version("job", 1, "0123", "job.so");
  std::atomic<const board::Slot *> slot{nullptr};
  std::atomic<bool> stop{false};
  std::thread caller([&] {
    const board::Slot *mine = nullptr;
    {
      worker::CallScope first(id, board::Entry::kTrigger);
      const auto tid = static_cast<std::int32_t>(syscall(SYS_gettid));
      for (const auto &s : worker::call_board().slots)
        if (s.owner.load() == tid) mine = &s;
    }
    // Published once that first call (deadline 0) is over: the reader must
    // see only the calls below.
    slot = mine;
    while (!stop.load(std::memory_order_relaxed)) {
      worker::CallScope call(id, board::Entry::kTrigger, 1);
    }
  });
  while (!slot.load()) std::this_thread::yield();

  std::uint64_t whole = 0, torn = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < end)
    for (int i = 0; i < 1000; ++i) {
      board::CallView call;
      if (!board::read_call(*slot.load(), call)) continue;
      ++whole;
      if (call.version != id || call.entry != board::Entry::kTrigger ||
          call.started_ns == 0 || call.deadline_ns != 1)
        ++torn;
    }
  stop = true;
  caller.join();
  CHECK(whole > 0);
  CHECK(torn == 0);
}
