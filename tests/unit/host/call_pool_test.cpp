// CallPool: every task gets a thread at once, even while others block;
// idle threads leave; the destructor waits for the tasks.
#include "server/call_pool.h"

#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>

using golo::host::CallPool;
using namespace std::chrono_literals;

namespace {

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!pred() && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(1ms);
  return pred();
}

}  // namespace

TEST_CASE("a task runs at once while every other thread of the pool blocks") {
  // What the tasks use is declared before the pool, so that the pool's
  // destructor (which waits for its threads) runs first.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> blocked{0};
  std::promise<void> ran;
  CallPool pool;
  for (int i = 0; i < 4; ++i)
    pool.submit([&] {
      ++blocked;
      released.wait();
    });
  REQUIRE(wait_for([&] { return blocked == 4; }, 5000ms));
  pool.submit([&] { ran.set_value(); });
  CHECK(ran.get_future().wait_for(5s) == std::future_status::ready);
  CHECK(pool.threads() == 5);
  release.set_value();
}

TEST_CASE("an idle thread is reused, and leaves after the idle time") {
  CallPool pool(0, 100ms);
  for (int i = 0; i < 3; ++i) {
    // Shared with the task: it may still be inside set_value when wait()
    // returns here.
    auto ran = std::make_shared<std::promise<void>>();
    auto done = ran->get_future();
    pool.submit([ran] { ran->set_value(); });
    done.wait();
    REQUIRE(wait_for([&] { return pool.idle() == 1; }, 1000ms));
    CHECK(pool.threads() == 1);
  }
  CHECK(wait_for([&] { return pool.threads() == 0; }, 5000ms));
}

TEST_CASE("the destructor waits for tasks in flight") {
  std::atomic<bool> finished{false};
  {
    CallPool pool;
    pool.submit([&] {
      std::this_thread::sleep_for(50ms);
      finished = true;
    });
  }
  CHECK(finished);
}

TEST_CASE("a pool at its thread bound refuses a task, then takes it again") {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> ran{0};
  CallPool pool(2);
  for (int i = 0; i < 2; ++i)
    pool.submit([&, released] {
      released.wait();
      ++ran;
    });
  CHECK_THROWS_AS(pool.submit([&] { ++ran; }), CallPool::Full);
  release.set_value();
  REQUIRE(wait_for([&] { return ran.load() == 2 && pool.idle() >= 1; }, 2s));
  pool.submit([&] { ++ran; });  // an idle thread takes it
  CHECK(wait_for([&] { return ran.load() == 3; }, 2s));
  CHECK(pool.threads() <= 2);
}
