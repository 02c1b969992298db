// Starting the users: a thread each, or the fiber loops that carry them.
#include "user_threads.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <string>

#include "fibers/loop.h"

namespace golo::agent::detail {

namespace {

struct ThreadStart {
  std::shared_ptr<RunState> st;
  std::uint32_t user;
};

void *user_main(void *arg) {
  const std::unique_ptr<ThreadStart> start(static_cast<ThreadStart *>(arg));
  RunState &st = *start->st;
  while (st.started.load() == 0) detail::futex_wait(st.started, 0);
  if (st.schedule.model == Model::closed)
    detail::closed_user(st, start->user);
  else
    detail::open_user(st, start->user);
  st.exited.fetch_add(1);
  return nullptr;
}

}  // namespace

void release_users(RunState &st) {
  st.stopping.store(1);
  st.started.store(1);
  detail::futex_wake_all(st.stopping);
  detail::futex_wake_all(st.started);
  for (std::size_t i = 0; i < st.user_count; ++i) {
    st.users[i].go.store(detail::kGoQuit);
    detail::futex_wake_all(st.users[i].go);
  }
  for (auto started : st.threads) pthread_join(started, nullptr);
  st.threads.clear();
}

namespace {

void spawn_users(const std::shared_ptr<RunState> &st, std::size_t stack_size) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(
      &attr, std::max<std::size_t>(stack_size, PTHREAD_STACK_MIN));
  st->threads.reserve(st->user_count);
  for (std::size_t u = 0; u < st->user_count; ++u) {
    auto *arg = new ThreadStart{st, static_cast<std::uint32_t>(u)};
    pthread_t t;
    if (const int rc = pthread_create(&t, &attr, user_main, arg); rc != 0) {
      delete arg;
      pthread_attr_destroy(&attr);
      release_users(*st);
      throw std::runtime_error(
          "cannot start user thread " + std::to_string(u + 1) + " of " +
          std::to_string(st->user_count) + ": " + std::strerror(rc));
    }
    st->threads.push_back(t);
  }
  pthread_attr_destroy(&attr);
}

void *loop_main(void *arg) {
  const std::unique_ptr<std::shared_ptr<detail::Loop>> loop(
      static_cast<std::shared_ptr<detail::Loop> *>(arg));
  (*loop)->run();
  return nullptr;
}

// The fiber executor: `count` loop threads, user u on loop u % count. The
// loops live until run_schedule returns (the open model's scheduler hands
// arrivals to them until it is joined) and as long as their threads run.
std::vector<std::shared_ptr<detail::Loop>> spawn_loops(
    const std::shared_ptr<RunState> &st, std::size_t count,
    std::size_t stack_size) {
  // As the recorder counts them: a shard per loop.
  count = loop_count(count, st->user_count);
  std::vector<std::shared_ptr<detail::Loop>> loops;
  std::vector<detail::Loop *> to;
  for (std::size_t i = 0; i < count; ++i) {
    loops.push_back(std::make_shared<detail::Loop>(
        st, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(count),
        stack_size));
    to.push_back(loops.back().get());
  }
  st->hand_off = [to](std::uint32_t user) { to[user % to.size()]->hand(user); };
  st->threads.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto *arg = new std::shared_ptr<detail::Loop>(loops[i]);
    pthread_t t;
    if (const int rc = pthread_create(&t, nullptr, loop_main, arg); rc != 0) {
      delete arg;
      release_users(*st);
      throw std::runtime_error(
          "cannot start fiber loop thread " + std::to_string(i + 1) + " of " +
          std::to_string(count) + ": " + std::strerror(rc));
    }
    st->threads.push_back(t);
  }
  return loops;
}

}  // namespace

std::vector<std::shared_ptr<detail::Loop>> start_users(
    const std::shared_ptr<RunState> &st, const RunOptions &opt) {
  st->data = opt.data;
  st->on_stall = opt.on_stall;
  if (opt.loops > 0) return spawn_loops(st, opt.loops, opt.stack_size);
  spawn_users(st, opt.stack_size);
  return {};
}

}  // namespace golo::agent::detail
