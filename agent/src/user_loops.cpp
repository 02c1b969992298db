// The hot path: what each user does, on its thread or as fibers on a loop
// (fibers/loop.cpp), and the open model's scheduler.
// No allocation per iteration (the outcome and key buffers are reused) and
// no lock shared between users.
#include <exception>

#include "run_state.h"

namespace golo::agent::detail {

namespace {

void run_one(RunState &st, std::uint32_t user, std::uint64_t iteration,
             IterationOutcome &out) {
  out.clear();
  try {
    st.runner->run(user, iteration, out);
  } catch (const std::exception &e) {
    out.failed = true;
    out.error_text = e.what();
  } catch (...) {
    out.failed = true;
    out.error_text = "unknown exception from the iteration";
  }
  // One scenario of several: its name tags every iteration, over any
  // scenario tag the iteration set itself.
  if (!st.schedule.scenario.empty())
    out.tags.set(kScenarioTag, st.schedule.scenario);
}

// iteration_timeout: the call's own duration decides, from its actual start
// in both models (in the open model, waiting for a free user is not the
// call's doing). The call is not interrupted, as C code cannot be: a call
// that never returns is for the host's --stuck-limit. The runner may have
// failed it already at the deadline (an RPC's DEADLINE_EXCEEDED); the text
// is the same either way, so all timeouts make one error sample.
void apply_timeout(const RunState &st, IterationOutcome &out,
                   Clock::duration took) {
  if (st.schedule.iteration_timeout.count() == 0 ||
      took <= st.schedule.iteration_timeout)
    return;
  out.failed = true;
  out.error_flag = false;
  out.error_text = st.timeout_error;
}

// Takes a finished iteration for recording, unless the run already counted
// it as interrupted; false means the run is over for this user. Before the
// clock is read for its end: an iteration read as ended in a second the
// control thread has closed is then one it waits for (see Ticker).
bool claim(UserSlot &slot) {
  std::uint32_t running = kRunning;
  return slot.state.compare_exchange_strong(running, kRecording);
}

// Records a claimed iteration in the second of the series it ended in.
void record(RunState &st, UserSlot &slot, std::uint32_t user,
            const IterationOutcome &out, Clock::duration latency,
            Clock::time_point ended, std::string &key,
            const FromIntended *intended = nullptr) {
  const auto measured =
      static_cast<std::uint64_t>((ended - st.start) / st.second_length);
  const std::uint64_t second = st.recorder.second_for(measured);
  slot.recording_second.store(second, std::memory_order_release);
  st.recorder.record(
      user, out,
      std::chrono::duration_cast<std::chrono::nanoseconds>(latency).count(),
      key, intended, second);
  slot.state.store(kIdle);
}

// The closed model seen from the schedule of slots (pacing.h): the
// iteration's latency from its intended start, and the slots its overrun
// made the user miss with the latencies their iterations would have seen.
// This is wrk2's correction for coordinated omission in a closed loop: a
// user stuck in a 1 s call at a 10 ms pacing would have sent ~100 requests
// meanwhile, each waiting out the rest of the stall; measured from the
// actual start, that second is one slow sample among fast ones.
FromIntended seen_from_slots(const RunState &st, std::uint32_t user,
                             Clock::time_point intended,
                             Clock::time_point ended) {
  // Slots after the end, or after a stop, were never due.
  auto until = st.end;
  if (const auto stop = st.stopped_at.load(); stop != kNotStopped)
    until = std::min(until, Clock::time_point(Clock::duration(stop)));
  const auto rel = [&](Clock::time_point t) {
    return std::chrono::duration_cast<Nanos>(t - st.start);
  };
  const Nanos pacing = st.schedule.pacing;
  FromIntended f = from_intended(rel(intended), rel(ended), pacing, rel(until));
  // While ramping, a slot after the user ramped out is not its own: when
  // it is back, its schedule starts afresh (closed_user's next_active).
  if (!st.schedule.stages.empty())
    for (std::uint64_t k = 1; k <= f.missed; ++k)
      if (!st.timeline.active(user, rel(intended) + pacing * k)) {
        f.missed = k - 1;
        break;
      }
  return f;
}

}  // namespace

bool pick_row(RunState &st, std::uint32_t user) {
  if (!st.data || st.data->pick(user)) return true;
  // Rows ran out: end the run as its schedule's end would (no new
  // iterations; those in flight get the graceful stop), not as a stop.
  std::int64_t never = kNotStopped;
  const auto now = Clock::now().time_since_epoch().count();
  st.data_out_at.compare_exchange_strong(never, now);
  never = kNotStopped;
  st.stopped_at.compare_exchange_strong(never, now);
  st.stopping.store(1);
  futex_wake_all(st.stopping);
  return false;
}

std::optional<Clock::time_point> closed_due(RunState &st, std::uint32_t user,
                                            ClosedPlace &at) {
  for (;;) {
    if (at.next >= st.end) return std::nullopt;
    const Nanos rel = at.next - st.start;
    if (st.timeline.active(user, rel)) return at.next;
    // Ramped out (or not yet in): its next active moment, if any.
    const auto back = st.timeline.next_active(user, rel);
    if (!back) return std::nullopt;
    at.next = st.start + *back;
  }
}

bool closed_begin(RunState &st, std::uint32_t user) {
  UserSlot &slot = st.users[user];
  slot.state.store(kRunning);
  if (st.stopping.load() || !pick_row(st, user)) {
    slot.state.store(kIdle);
    return false;
  }
  return true;
}

bool closed_iteration(RunState &st, std::uint32_t user, ClosedPlace &at,
                      IterationOutcome &out, std::string &key) {
  UserSlot &slot = st.users[user];
  // Closed model: latency from the actual start, and (corrected) from the
  // intended start `next`, with the slots an overrun missed.
  const auto began = Clock::now();
  run_one(st, user, at.iteration++, out);
  if (!claim(slot)) return false;
  const auto ended = Clock::now();
  apply_timeout(st, out, ended - began);
  const FromIntended intended = seen_from_slots(st, user, at.next, ended);
  record(st, slot, user, out, ended - began, ended, key, &intended);
  at.known_now = ended;
  // Pacing counts from the intended start, so wake-up delays do not make
  // the rate drift; an overrun (or think time) pushes the next one later.
  at.next =
      std::max(at.next + st.schedule.pacing, ended + st.schedule.think_time);
  return true;
}

void closed_user(RunState &st, std::uint32_t user) {
  IterationOutcome out;
  std::string key;
  key.reserve(256);
  ClosedPlace at;
  at.next = st.load_start;
  for (;;) {
    const auto due = closed_due(st, user, at);
    if (!due) return;
    // When the next start is already due (back to back, or an overrun), the
    // sleep and its clock read are skipped: back to back, the clock is most
    // of an iteration's cost.
    if (*due <= at.known_now) {
      if (st.stopping.load()) return;
    } else if (sleep_until_or_stop(st.stopping, *due)) {
      return;
    }
    if (!closed_begin(st, user) || !closed_iteration(st, user, at, out, key))
      return;
  }
}

bool open_iteration(RunState &st, std::uint32_t user, IterationOutcome &out,
                    std::string &key) {
  UserSlot &slot = st.users[user];
  // The actual start is read only when a timeout needs it.
  const bool timed = st.schedule.iteration_timeout.count() != 0;
  const auto began = timed ? Clock::now() : Clock::time_point{};
  run_one(st, user, slot.iteration, out);
  if (!claim(slot)) return false;
  const auto ended = Clock::now();
  if (timed) apply_timeout(st, out, ended - began);
  // Open model: latency from the iteration's SCHEDULED start, not from
  // when this thread got to start it (coordinated omission, as wrk2
  // measures). The arrivals keep coming at the rate whatever the target
  // does; any delay between the intended moment and the real start (a
  // late scheduler, a slow wake-up, a stall in the process) is time a real
  // client arriving then would have waited, so it belongs in the latency.
  // Measuring from the actual start would hide exactly those delays.
  record(st, slot, user, out, ended - slot.intended, ended, key);
  slot.go.store(kGoIdle);
  // Paired with the stop: it sets `stopping` then quits idle users, so
  // either we see the stop here or it sees us idle and wakes us to quit.
  if (st.stopping.load()) return false;
  st.free.push(user);
  return true;
}

void open_user(RunState &st, std::uint32_t user) {
  UserSlot &slot = st.users[user];
  IterationOutcome out;
  std::string key;
  key.reserve(256);
  for (;;) {
    std::uint32_t go;
    while ((go = slot.go.load()) == kGoIdle) futex_wait(slot.go, kGoIdle);
    if (go == kGoQuit || !open_iteration(st, user, out, key)) return;
  }
}

void schedule_arrivals(RunState &st) {
  while (st.started.load() == 0) futex_wait(st.started, 0);
  // A resumed run: the arrivals due before the load's start are not its.
  for (std::uint64_t k = st.timeline.first_arrival_from(
           std::chrono::duration_cast<Nanos>(st.load_start - st.start));
       ; ++k) {
    const auto at = st.timeline.arrival(k);
    if (!at) return;
    const auto when = st.start + *at;
    if (when >= st.end) return;
    if (sleep_until_or_stop(st.stopping, when)) return;
    std::uint32_t user = 0;
    if (!st.free.pop(user)) {
      st.dropped.fetch_add(1, std::memory_order_relaxed);  // never silent
      continue;
    }
    // The row is picked here, so an arrival dropped takes none.
    if (!pick_row(st, user)) {
      st.free.push(user);
      return;
    }
    UserSlot &slot = st.users[user];
    slot.intended = when;
    slot.iteration = k;
    slot.state.store(kRunning);  // in flight from now: interruptible
    std::uint32_t idle = kGoIdle;
    if (!slot.go.compare_exchange_strong(idle, kGoRun)) {
      slot.state.store(kIdle);  // the user was told to quit: we are stopping
      return;
    }
    if (st.hand_off)
      st.hand_off(user);  // a fiber run: to the user's loop
    else
      futex_wake_all(slot.go);
  }
}

}  // namespace golo::agent::detail
