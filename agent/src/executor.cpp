// The control thread: starts the users (user_threads.h), ticks the progress
// and the per-second series, stops, waits out the graceful stop, and gathers
// the results.
#include "golo/agent/executor.h"

#include <cmath>
#include <cstring>
#include <map>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "golo/agent/series.h"
#include "run_state.h"
#include "user_threads.h"

namespace golo::agent {

namespace {

using detail::Clock;
using detail::RunState;

void request_stop(RunState &st) {
  // The first stop's time bounds the slots a closed-model user can miss.
  std::int64_t never = detail::kNotStopped;
  st.stopped_at.compare_exchange_strong(
      never, Clock::now().time_since_epoch().count());
  st.stopping.store(1);
  detail::futex_wake_all(st.stopping);
  st.runner->stopping();  // think time in plugins gives way
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

// The second of the series the load starts in: 0, or a resumed run's.
std::uint64_t first_second(const RunState &st) {
  return static_cast<std::uint64_t>((st.load_start - st.start) /
                                    st.second_length);
}

// Builds the per-second series and the progress reports, one second at a
// time: each iteration counts in the second it ended in (its end as its user
// read it), and a second is reported once it has passed and its records in
// progress are done (recorder.h). Each second's total is the sum of its tag
// sets, and the seconds add up to the results' totals.
class Ticker {
 public:
  // From the second the load starts in (a resumed run's is not 0).
  Ticker(RunState &st, const RunOptions &opt, SeriesBuilder &series)
      : st_(st), opt_(opt), series_(series), next_(first_second(st)) {}

  // When the next second is due: its end, plus a moment for the records
  // just then in progress (not needed to be exact, only to wait less).
  Clock::time_point next_due() const {
    return st_.start +
           st_.second_length * static_cast<std::int64_t>(next_ + 1) + grace();
  }

  // Reports every second due by `now`.
  void report_due(Clock::time_point now) {
    while (now >= next_due()) report(now);
  }

  // After the last record: reports the rest, at least the run's `seconds`,
  // and past them only up to the last second with anything in it (records
  // of the graceful stop).
  void finish(Clock::time_point now, std::uint64_t seconds) {
    run_seconds_ = seconds;
    const auto last =
        static_cast<std::uint64_t>((now - st_.start) / st_.second_length);
    while (next_ <= last || next_ < seconds) report(now);
    held_.clear();  // trailing empty seconds after the run
  }

  // The run's length in seconds is known (its end or stop): seconds after it
  // are reported only when something happened in them.
  void set_run_seconds(std::uint64_t seconds) { run_seconds_ = seconds; }

 private:
  Clock::duration grace() const {
    return std::min<Clock::duration>(std::chrono::milliseconds(10),
                                     st_.second_length / 10);
  }

  // Closes second next_, waits for its records in progress, and reports it.
  void report(Clock::time_point now) {
    const std::uint64_t second = next_++;
    st_.recorder.close_second(second);
    // A user that claimed its iteration before the close may still record
    // in this second: wait for it (microseconds). One that claims after it
    // records in a later one (Recorder::second_for).
    for (std::size_t u = 0; u < st_.user_count; ++u) {
      const auto &slot = st_.users[u];
      while (slot.state.load(std::memory_order_seq_cst) == detail::kRecording &&
             slot.recording_second.load(std::memory_order_acquire) <= second)
        std::this_thread::yield();
    }
    st_.recorder.harvest(second, sets_);

    Interval iv;
    Histogram total, corrected;
    std::uint64_t iterations = 0, errors = 0, missed = 0;
    for (auto &counts : sets_) {
      iterations += counts.iterations;
      errors += counts.errors;
      missed += counts.missed;
      total.merge(counts.latency);
      corrected.merge(counts.corrected);
      TagSetInterval set;
      st_.recorder.describe(counts.id, set.key, set.tags);
      set.iterations = counts.iterations;
      set.errors = counts.errors;
      set.missed = counts.missed;
      set.latency = counts.latency.buckets();
      set.corrected = counts.corrected.buckets();
      for (auto &step : counts.steps)
        if (step.count)
          set.steps.push_back({std::move(step.name), step.count, step.errors,
                               step.latency.to_sparse(),
                               std::move(step.statuses)});
      for (auto &check : counts.checks)
        if (check.passes + check.fails) set.checks.push_back(std::move(check));
      iv.sets.push_back(std::move(set));
    }
    std::sort(iv.sets.begin(), iv.sets.end(),
              [](const auto &a, const auto &b) { return a.key < b.key; });
    const std::uint64_t dropped = st_.dropped.load();
    const std::uint64_t active = active_users(second);
    iv.total.second = second + 1;
    iv.total.iterations = iterations;
    iv.total.errors = errors;
    iv.total.dropped = dropped - dropped_;
    iv.total.missed = missed;
    iv.total.active_users = active;
    iv.total.latency = total.to_sparse();
    iterations_ += iterations;
    errors_ += errors;
    missed_ += missed;
    dropped_ = dropped;
    Progress p{.elapsed_s = seconds(now - st_.start),
               .active_users = active,
               .iterations = iterations_,
               .errors = errors_,
               .dropped = dropped_,
               .interval_rate =
                   static_cast<double>(iterations) / seconds(st_.second_length),
               .p50_us = total.value_at_percentile(50) / 1e3,
               .p95_us = total.value_at_percentile(95) / 1e3,
               .p99_us = total.value_at_percentile(99) / 1e3,
               .interval = iv.total.latency,
               .tag_sets = iv.sets,
               .missed = missed_,
               .interval_corrected = corrected.to_sparse(),
               .steps_dropped = st_.recorder.steps_dropped(),
               .checks_dropped = st_.recorder.checks_dropped()};
    // Past the run's seconds, an empty one waits for a later one with
    // something in it, so that the series ends with the last record.
    const bool empty = iterations == 0 && iv.total.dropped == 0;
    if (second >= run_seconds_ && empty) {
      held_.push_back({std::move(iv), std::move(p)});
      return;
    }
    for (auto &[held_iv, held_p] : held_) emit(held_iv, held_p);
    held_.clear();
    emit(iv, p);
  }

  void emit(const Interval &iv, const Progress &p) {
    if (opt_.on_progress) opt_.on_progress(p);
    series_.add(iv);
  }

  std::uint64_t active_users(std::uint64_t second) const {
    if (st_.schedule.model == Model::closed) {
      // The level at the second's end; none after a stop or the end.
      const auto at =
          st_.second_length * static_cast<std::int64_t>(second + 1) -
          Clock::duration(1);
      const auto stop = st_.stopped_at.load();
      if (stop != detail::kNotStopped &&
          Clock::time_point(Clock::duration(stop)) <= st_.start + at)
        return 0;
      const double level = st_.schedule.level_at(at);
      return std::min<std::uint64_t>(
          st_.user_count, static_cast<std::uint64_t>(std::ceil(level)));
    }
    std::uint64_t busy = 0;
    for (std::size_t u = 0; u < st_.user_count; ++u)
      busy += st_.users[u].state.load(std::memory_order_relaxed) ==
              detail::kRunning;
    return busy;
  }

  RunState &st_;
  const RunOptions &opt_;
  SeriesBuilder &series_;
  std::vector<detail::Recorder::SetCounts> sets_;
  std::uint64_t next_ = 0;  // the next second to report, 0-based
  std::uint64_t run_seconds_ = UINT64_MAX;
  std::vector<std::pair<Interval, Progress>> held_;
  std::uint64_t iterations_ = 0, errors_ = 0, dropped_ = 0, missed_ = 0;
};

DataUse data_use(const Schedule &schedule, const DataFeed &feed,
                 std::int64_t out_at, Clock::time_point start) {
  DataUse d{.file = schedule.data ? schedule.data->file : feed.table().file(),
            .scenario = schedule.scenario,
            .mode = std::string(data_mode_name(feed.mode())),
            .rows = feed.table().rows(),
            .rows_used = feed.rows_used()};
  if (out_at != detail::kNotStopped) {
    d.hosts_out = 1;
    d.ran_out_s = seconds(Clock::time_point(Clock::duration(out_at)) - start);
  }
  return d;
}

// The open model's scheduler thread: hands arrivals to idle users, every
// user idle at first. None for the closed model.
std::thread start_scheduler(RunState &st) {
  if (st.schedule.model != Model::open) return {};
  for (std::size_t u = 0; u < st.user_count; ++u)
    st.free.push(static_cast<std::uint32_t>(u));
  try {
    return std::thread(detail::schedule_arrivals, std::ref(st));
  } catch (const std::system_error &e) {
    // Without it the users would wait for arrivals forever.
    release_users(st);
    throw std::runtime_error(
        std::string("cannot start the open model's scheduler thread: ") +
        e.what());
  }
}

// A run that ends before it begins: every thread it started goes.
void abandon(RunState &st, std::thread &scheduler) {
  release_users(st);
  if (scheduler.joinable()) scheduler.join();
}

// Waits for the common start instant, if any; true when a stop came first.
bool stopped_before_start_at(RunState &st, const RunOptions &opt) {
  if (!opt.start_at) return false;
  // The wall clock says when; the steady clock does the waiting, so that a
  // clock step while waiting cannot stretch it.
  const auto ahead = *opt.start_at - std::chrono::system_clock::now();
  std::stop_callback stop_wait(opt.stop, [&st] { request_stop(st); });
  return ahead > Clock::duration::zero() &&
         detail::sleep_until_or_stop(
             st.stopping,
             Clock::now() + std::chrono::duration_cast<Clock::duration>(ahead));
}

// Sets the run's clock: its start, its end and the length of its rows.
void begin(RunState &st, const RunOptions &opt) {
  // The series' rows (a second unless a test asks for shorter ones).
  if (opt.progress_interval > Clock::duration::zero())
    st.second_length =
        std::chrono::duration_cast<Clock::duration>(opt.progress_interval);
  st.load_start = Clock::now();
  const auto resume = std::min(
      std::chrono::duration_cast<Clock::duration>(opt.resume_from),
      std::chrono::duration_cast<Clock::duration>(st.schedule.length()));
  st.start = st.load_start - std::max(resume, Clock::duration::zero());
  st.end = st.start + st.schedule.length();
  st.recorder.start_at_second(first_second(st));
}

// Ticks progress until the end or a stop; true when stopped early (data
// rows running out is a natural end: RunOptions::data).
bool tick_until_end(RunState &st, Ticker &ticker) {
  for (;;) {
    const auto wake = std::min(ticker.next_due(), st.end);
    if (detail::sleep_until_or_stop(st.stopping, wake))
      return st.data_out_at.load() == detail::kNotStopped;
    const auto now = Clock::now();
    ticker.report_due(now);
    if (now >= st.end) return false;
  }
}

// When the run ended: when it stopped, at the end of the schedule, or the
// instant data rows ran out (RunOptions::data).
Clock::time_point end_of_run(const RunState &st, Clock::time_point stopped,
                             std::int64_t data_out) {
  return std::min(data_out == detail::kNotStopped
                      ? stopped
                      : Clock::time_point(Clock::duration(data_out)),
                  st.end);
}

// At the natural end, lets the scheduler hand out every arrival due before
// the end first (it returns by itself after the last one): a scheduler
// woken late must still run or drop them, never lose them silently, so that
// iterations + dropped + interrupted is the number of arrivals due. A
// requested stop (the caller went away) stops it at once instead.
void stop_arrivals(RunState &st, std::thread &scheduler, bool stopped_early) {
  if (!stopped_early && scheduler.joinable()) scheduler.join();
  request_stop(st);
  if (scheduler.joinable()) scheduler.join();
  if (st.schedule.model == Model::open) quit_idle_users(st);
}

// Graceful stop: in-flight iterations get until give_up to finish; then
// those still running are counted interrupted.
std::uint64_t wait_out_iterations(RunState &st, Ticker &ticker,
                                  Clock::time_point give_up) {
  while (st.exited.load() < st.user_count && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ticker.report_due(Clock::now());
  }
  std::uint64_t interrupted = 0;
  for (std::size_t u = 0; u < st.user_count; ++u) {
    auto &state = st.users[u].state;
    std::uint32_t seen = detail::kRunning;
    while (!state.compare_exchange_strong(seen, detail::kInterrupted)) {
      if (seen != detail::kRecording) break;  // idle or done: nothing to count
      // A record in progress ends in microseconds, unless it waits for its
      // second's counters to be recycled: report what is due meanwhile.
      std::this_thread::yield();
      ticker.report_due(Clock::now());
      seen = detail::kRunning;
    }
    if (seen == detail::kRunning) ++interrupted;
  }
  return interrupted;
}

// What the recorder and the counters hold, into the results.
void gather(RunResults &results, RunState &st, std::uint64_t interrupted) {
  results.tag_sets = st.recorder.take_tag_sets();
  for (const auto &set : results.tag_sets) results.total.merge(set);
  results.total.dropped = st.dropped.load();
  results.total.interrupted = interrupted;
  results.steps_dropped = st.recorder.steps_dropped();
  results.checks_dropped = st.recorder.checks_dropped();
  results.over_budget = st.recorder.folded();
  results.stalls = st.stalls.load();
  if (results.over_budget) results.host_folded_tag_sets = true;
}

// Joins the users, or, when some are still inside the runner, joins them in
// the background, keeping the shared state (and the runner) alive until
// they return.
void join_users(const std::shared_ptr<RunState> &st) {
  if (st->exited.load() == st->user_count) {
    for (auto t : st->threads) pthread_join(t, nullptr);
    return;
  }
  std::thread([st] {
    for (auto t : st->threads) pthread_join(t, nullptr);
  }).detach();
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RunResults run_schedule(const Schedule &schedule,
                        std::shared_ptr<IterationRunner> runner,
                        const RunOptions &opt) {
  if (!runner) throw std::invalid_argument("run_schedule: no iteration runner");
  auto st = std::make_shared<RunState>(schedule, std::move(runner),
                                       opt.record_budget, opt.loops);
  const auto loops = start_users(st, opt);
  std::thread scheduler = start_scheduler(*st);  // waits for `started` too
  if (stopped_before_start_at(*st, opt)) {
    abandon(*st, scheduler);
    RunResults nothing;
    nothing.schedule = schedule.to_json();
    nothing.stopped_early = true;
    return nothing;
  }
  try {
    if (opt.on_start) opt.on_start();
  } catch (...) {
    abandon(*st, scheduler);
    throw;
  }
  begin(*st, opt);
  std::stop_callback on_stop(opt.stop, [&st] { request_stop(*st); });
  st->started.store(1);
  detail::futex_wake_all(st->started);

  RunResults results;
  results.schedule = schedule.to_json();
  // The schedule's start: a resumed run's is before its load's.
  results.start_unix_ms =
      unix_ms_now() - std::chrono::duration_cast<std::chrono::milliseconds>(
                          st->load_start - st->start)
                          .count();
  // The host's results carry the total's series only (bounded); the tag
  // sets' series reach the caller in the progress updates.
  SeriesBuilder series({}, false);
  Ticker ticker(*st, opt, series);
  const bool stopped_early = tick_until_end(*st, ticker);
  const auto stopped = Clock::now();
  const auto data_out = st->data_out_at.load();  // read once: see data_use
  const auto ended = end_of_run(*st, stopped, data_out);
  results.duration_s = seconds(ended - st->start);
  // The run's seconds, the last one perhaps partial; later ones hold only
  // what ended during the graceful stop.
  const auto run_seconds = static_cast<std::uint64_t>(
      (ended - st->start + st->second_length - Clock::duration(1)) /
      st->second_length);
  ticker.set_run_seconds(run_seconds);
  results.stopped_early = stopped_early;
  stop_arrivals(*st, scheduler, stopped_early);
  const auto interrupted =
      wait_out_iterations(*st, ticker, stopped + schedule.graceful_stop);

  ticker.finish(Clock::now(), run_seconds);
  series.take(results);
  gather(results, *st, interrupted);
  if (st->data)
    results.data.push_back(data_use(schedule, *st->data, data_out, st->start));
  join_users(st);
  return results;
}

}  // namespace golo::agent
