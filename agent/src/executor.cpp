// The control thread: starts the user threads, ticks the progress and the
// per-second series, stops, waits out the graceful stop, and gathers the
// results.
#include "golo/agent/executor.h"

#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "golo/agent/series.h"
#include "run_state.h"

namespace golo::agent {

namespace {

using detail::Clock;
using detail::RunState;

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

// Tells every user thread started so far to exit at once and joins them:
// a run that cannot start all its threads leaves none behind.
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

void request_stop(RunState &st) {
  // The first stop's time bounds the slots a closed-model user can miss.
  std::int64_t never = detail::kNotStopped;
  st.stopped_at.compare_exchange_strong(
      never, Clock::now().time_since_epoch().count());
  st.stopping.store(1);
  detail::futex_wake_all(st.stopping);
}

// Idle open-model users wait on their own word: tell each one to quit.
void quit_idle_users(RunState &st) {
  for (std::size_t u = 0; u < st.user_count; ++u) {
    std::uint32_t idle = detail::kGoIdle;
    if (st.users[u].go.compare_exchange_strong(idle, detail::kGoQuit))
      detail::futex_wake_all(st.users[u].go);
  }
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Builds the per-second series and the progress reports from cumulative
// snapshots per tag set: each interval is the difference of two, so nothing
// is reset and no count is lost between them; the total is the sum of the
// sets' intervals, so each second's sets add up to its total exactly.
class Ticker {
 public:
  Ticker(RunState &st, const RunOptions &opt, SeriesBuilder &series)
      : st_(st), opt_(opt), series_(series) {}

  void tick(Clock::time_point now) {
    st_.recorder.snapshot_sets(sets_);
    Interval iv;
    Histogram total, corrected;
    std::uint64_t iterations = 0, errors = 0, missed = 0;
    for (auto &snap : sets_) {
      Previous &prev = previous_[snap.id];
      iterations += snap.iterations;
      errors += snap.errors;
      if (snap.iterations == prev.iterations) {
        // A set's missed slots come with its iteration that overran them:
        // counted with the interval that has the iteration.
        missed += prev.missed;
        continue;
      }
      missed += snap.missed;
      Histogram interval = snap.latency;
      interval.subtract(prev.latency);
      total.merge(interval);
      Histogram interval_corrected = snap.corrected;
      interval_corrected.subtract(prev.corrected);
      corrected.merge(interval_corrected);
      TagSetInterval set;
      st_.recorder.describe(snap.id, set.key, set.tags);
      set.iterations = snap.iterations - prev.iterations;
      set.errors = snap.errors - prev.errors;
      set.missed = snap.missed - prev.missed;
      set.latency = interval.to_sparse();
      step_intervals(snap, prev, set);
      iv.sets.push_back(std::move(set));
      prev = {std::move(snap.latency),   snap.iterations, snap.errors,
              std::move(snap.corrected), snap.missed,     std::move(snap.steps),
              std::move(snap.checks)};
    }
    std::sort(iv.sets.begin(), iv.sets.end(),
              [](const auto &a, const auto &b) { return a.key < b.key; });
    const std::uint64_t dropped = st_.dropped.load();
    const std::uint64_t active = active_users(now);
    iv.total.second = ++second_;
    iv.total.iterations = iterations - iterations_;
    iv.total.errors = errors - errors_;
    iv.total.dropped = dropped - dropped_;
    iv.total.missed = missed - missed_;
    iv.total.active_users = active;
    iv.total.latency = total.to_sparse();
    if (opt_.on_progress) {
      const double span = std::max(1e-9, seconds(now - last_));
      Progress p{seconds(now - st_.start),
                 active,
                 iterations,
                 errors,
                 dropped,
                 static_cast<double>(iterations - iterations_) / span,
                 total.value_at_percentile(50) / 1e3,
                 total.value_at_percentile(95) / 1e3,
                 total.value_at_percentile(99) / 1e3,
                 iv.total.latency,
                 iv.sets,
                 missed,
                 corrected.to_sparse()};
      p.steps_dropped = st_.recorder.steps_dropped();
      p.checks_dropped = st_.recorder.checks_dropped();
      opt_.on_progress(p);
    }
    series_.add(iv);
    iterations_ = iterations;
    errors_ = errors;
    dropped_ = dropped;
    missed_ = missed;
    last_ = now;
  }

  bool anything_since_last() const {
    Histogram cumulative;
    std::uint64_t iterations = 0, errors = 0;
    st_.recorder.snapshot(cumulative, iterations, errors);
    return iterations != iterations_ || st_.dropped.load() != dropped_;
  }

 private:
  std::uint64_t active_users(Clock::time_point now) const {
    if (st_.schedule.model == Model::closed) {
      if (st_.stopping.load()) return 0;
      const double level = st_.schedule.level_at(now - st_.start);
      return std::min<std::uint64_t>(
          st_.user_count, static_cast<std::uint64_t>(std::ceil(level)));
    }
    std::uint64_t busy = 0;
    for (std::size_t u = 0; u < st_.user_count; ++u)
      busy += st_.users[u].state.load(std::memory_order_relaxed) ==
              detail::kRunning;
    return busy;
  }

  struct Previous {
    Histogram latency;
    std::uint64_t iterations = 0, errors = 0;
    Histogram corrected;
    std::uint64_t missed = 0;
    std::vector<StepStats> steps;  // by id, as the snapshot's
    std::vector<CheckStats> checks;
  };

  // The set's steps and checks in this interval: differences of the
  // cumulative snapshots, by id (ids only grow, so an id past the previous
  // snapshot's ran first in this interval).
  static void step_intervals(const detail::Recorder::SetSnapshot &snap,
                             const Previous &prev, TagSetInterval &set) {
    for (std::size_t id = 0; id < snap.steps.size(); ++id) {
      const StepStats &now = snap.steps[id];
      const StepStats *before =
          id < prev.steps.size() ? &prev.steps[id] : nullptr;
      // An error can land an interval after its step's latency (see
      // StepCounters::add_to): emit it then too, so none is lost.
      if (now.count == (before ? before->count : 0) &&
          now.errors == (before ? before->errors : 0))
        continue;
      Histogram interval = now.latency;
      if (before) interval.subtract(before->latency);
      set.steps.push_back({now.name, now.count - (before ? before->count : 0),
                           now.errors - (before ? before->errors : 0),
                           interval.to_sparse()});
    }
    for (std::size_t id = 0; id < snap.checks.size(); ++id) {
      const CheckStats &now = snap.checks[id];
      const CheckStats none{};
      const CheckStats &before =
          id < prev.checks.size() ? prev.checks[id] : none;
      if (now.passes == before.passes && now.fails == before.fails) continue;
      set.checks.push_back(
          {now.name, now.passes - before.passes, now.fails - before.fails});
    }
  }
  RunState &st_;
  const RunOptions &opt_;
  SeriesBuilder &series_;
  std::vector<detail::Recorder::SetSnapshot> sets_;
  std::map<std::size_t, Previous> previous_;  // by tag set id
  std::uint64_t iterations_ = 0, errors_ = 0, dropped_ = 0, missed_ = 0,
                second_ = 0;
  Clock::time_point last_ = st_.start;
};

DataUse data_use(const Schedule &schedule, const DataFeed &feed,
                 std::int64_t out_at, Clock::time_point start) {
  DataUse d{schedule.data ? schedule.data->file : feed.table().file(),
            schedule.scenario,
            std::string(data_mode_name(feed.mode())),
            feed.table().rows(),
            feed.rows_used(),
            0,
            0};
  if (out_at != detail::kNotStopped) {
    d.hosts_out = 1;
    d.ran_out_s = seconds(Clock::time_point(Clock::duration(out_at)) - start);
  }
  return d;
}

}  // namespace

RunResults run_schedule(const Schedule &schedule,
                        std::shared_ptr<IterationRunner> runner,
                        const RunOptions &opt) {
  if (!runner) throw std::invalid_argument("run_schedule: no iteration runner");
  auto st = std::make_shared<RunState>(schedule, std::move(runner));
  st->data = opt.data;
  spawn_users(st, opt.stack_size);
  if (schedule.model == Model::open)
    for (std::size_t u = 0; u < st->user_count; ++u)
      st->free.push(static_cast<std::uint32_t>(u));

  std::thread scheduler;  // waits for `started` as the users do
  if (schedule.model == Model::open) {
    try {
      scheduler = std::thread(detail::schedule_arrivals, std::ref(*st));
    } catch (const std::system_error &e) {
      // Without it the users would wait for arrivals forever.
      release_users(*st);
      throw std::runtime_error(
          std::string("cannot start the open model's scheduler thread: ") +
          e.what());
    }
  }

  if (opt.start_at) {
    // The wall clock says when; the steady clock does the waiting, so that a
    // clock step while waiting cannot stretch it.
    const auto ahead = *opt.start_at - std::chrono::system_clock::now();
    std::stop_callback stop_wait(opt.stop, [&st] { request_stop(*st); });
    if (ahead > Clock::duration::zero() &&
        detail::sleep_until_or_stop(
            st->stopping,
            Clock::now() +
                std::chrono::duration_cast<Clock::duration>(ahead))) {
      release_users(*st);
      if (scheduler.joinable()) scheduler.join();
      RunResults nothing;
      nothing.schedule = schedule.to_json();
      nothing.stopped_early = true;
      return nothing;
    }
  }
  try {
    if (opt.on_start) opt.on_start();
  } catch (...) {
    release_users(*st);
    if (scheduler.joinable()) scheduler.join();
    throw;
  }
  st->start = Clock::now();
  st->end = st->start + schedule.length();
  std::stop_callback on_stop(opt.stop, [&st] { request_stop(*st); });
  st->started.store(1);
  detail::futex_wake_all(st->started);

  RunResults results;
  results.schedule = schedule.to_json();
  results.start_unix_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  // The host's results carry the total's series only (bounded); the tag
  // sets' series reach the caller in the progress updates.
  SeriesBuilder series({}, false);
  Ticker ticker(*st, opt, series);
  auto next_tick = st->start + opt.progress_interval;
  bool stopped_early = false;
  for (;;) {
    const auto wake = std::min(next_tick, st->end);
    if (detail::sleep_until_or_stop(st->stopping, wake)) {
      // Data rows running out is a natural end (RunOptions::data).
      stopped_early = st->data_out_at.load() == detail::kNotStopped;
      break;
    }
    const auto now = Clock::now();
    if (now >= next_tick) {
      ticker.tick(now);
      next_tick += opt.progress_interval;
    }
    if (now >= st->end) break;
  }
  const auto stopped = Clock::now();
  const auto data_out = st->data_out_at.load();
  results.duration_s =
      seconds(std::min(data_out == detail::kNotStopped
                           ? stopped
                           : Clock::time_point(Clock::duration(data_out)),
                       st->end) -
              st->start);
  results.stopped_early = stopped_early;
  // At the natural end, let the scheduler hand out every arrival due before
  // the end first (it returns by itself after the last one): a scheduler
  // woken late must still run or drop them, never lose them silently, so
  // that iterations + dropped + interrupted is the number of arrivals due.
  // A requested stop (the caller went away) stops it at once instead.
  if (!stopped_early && scheduler.joinable()) scheduler.join();
  request_stop(*st);
  if (scheduler.joinable()) scheduler.join();
  if (schedule.model == Model::open) quit_idle_users(*st);

  // Graceful stop: in-flight iterations get this long to finish.
  const auto give_up = stopped + schedule.graceful_stop;
  while (st->exited.load() < st->user_count && Clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));

  std::uint64_t interrupted = 0;
  for (std::size_t u = 0; u < st->user_count; ++u) {
    auto &state = st->users[u].state;
    std::uint32_t seen = detail::kRunning;
    while (!state.compare_exchange_strong(seen, detail::kInterrupted)) {
      if (seen != detail::kRecording) break;  // idle or done: nothing to count
      std::this_thread::yield();  // a record in progress ends in microseconds
      seen = detail::kRunning;
    }
    if (seen == detail::kRunning) ++interrupted;
  }

  if (ticker.anything_since_last()) ticker.tick(Clock::now());
  series.fill(results);
  results.tag_sets = st->recorder.tag_sets();
  for (const auto &set : results.tag_sets) results.total.merge(set);
  results.total.dropped = st->dropped.load();
  results.total.interrupted = interrupted;
  results.steps_dropped = st->recorder.steps_dropped();
  results.checks_dropped = st->recorder.checks_dropped();
  if (st->data)
    results.data.push_back(data_use(schedule, *st->data, data_out, st->start));

  if (st->exited.load() == st->user_count) {
    for (auto t : st->threads) pthread_join(t, nullptr);
  } else {
    // Some users are still inside the runner: join them in the background,
    // keeping the shared state (and the runner) alive until they return.
    std::thread([st] {
      for (auto t : st->threads) pthread_join(t, nullptr);
    }).detach();
  }
  return results;
}

}  // namespace golo::agent
