#include "recorder.h"

#include "golo/agent/utf8.h"

#include <sched.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace golo::agent::detail {

namespace {

// Separators no sane tag contains, so that distinct sets get distinct keys.
constexpr char kPairSep = '\x1f';
constexpr char kKvSep = '\x1e';

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

void ErrorSlots::add(std::string_view text) {
  // Cut between characters; add_error_sample repairs ill-formed bytes.
  text = text.substr(0, utf8_cut(text, kMaxErrorTextLen));
  for (auto &s : slots_) {
    int state = s.state.load(std::memory_order_acquire);
    if (state == 0) {
      if (s.state.compare_exchange_strong(state, 1,
                                          std::memory_order_acq_rel)) {
        try {
          s.text.assign(text);  // once per distinct text, not per iteration
        } catch (...) {
          s.state.store(0, std::memory_order_release);  // no one waits on it
          throw;
        }
        s.count.store(1, std::memory_order_relaxed);
        s.state.store(2, std::memory_order_release);
        return;
      }
    }
    // Another thread is writing this slot's text (one short copy): wait for
    // it, or the same text could take a second slot.
    while (state == 1) state = s.state.load(std::memory_order_acquire);
    if (state == 2 && s.text == text) {
      s.count.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  // All five slots hold other texts: the error still counts in `errors`.
}

void ErrorSlots::add_to(TagSetStats &out) const {
  for (const auto &s : slots_)
    if (s.state.load(std::memory_order_acquire) == 2)
      out.add_error_sample(s.text, s.count.load(std::memory_order_relaxed));
}

Shard::~Shard() {
  for (auto &second : seconds)
    for (auto &s : second) delete s.load();
  for (auto &s : samples) delete s.load();
}

std::size_t default_shards() {
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 64);
}

Recorder::Recorder(std::vector<std::string> tag_keys, std::size_t users,
                   std::size_t shards, std::int64_t budget, std::size_t loops)
    : tag_keys_(std::move(tag_keys)),
      users_(std::max<std::size_t>(users, 1)),
      loops_(loops ? loop_count(loops, users) : 0),
      shard_count_(loops_ ? loops_
                          : std::clamp<std::size_t>(
                                users, 1,
                                std::min<std::size_t>(
                                    shards ? shards : default_shards(), 64))),
      budget_(budget) {
  shards_ = std::make_unique<Shard[]>(shard_count_);
  pending_ = std::make_unique<std::atomic<PendingRecords *>[]>(writers());
  bytes_.store(static_cast<std::int64_t>(sizeof(Shard) * shard_count_));
  for (std::size_t g = 0; g < kGenerations; ++g) holds_[g].store(g);
  spare_.reserve(kMaxTagSets + 1);  // so that harvest never grows it
  for (std::size_t id = 0; id < kWideFirst; ++id) wide_[id].store(true);
  wide_[kOtherId].store(true);
}

std::size_t Recorder::shard_index(std::uint32_t user, std::size_t id) const {
  return wide_[id].load(std::memory_order_relaxed) ? writer_index(user) : 0;
}

std::size_t Recorder::writer_index(std::uint32_t user) const {
  // On fibers, the shard of the user's loop: only that loop's thread
  // records in it, so its atomics are never contended.
  if (loops_) return user % loops_;
  // A shard per user while there are enough; past that, users running on
  // one CPU share its shard: they never touch its counters at the same
  // instant, so sharing costs no contention, and memory stays per core.
  if (users_ <= shard_count_) return user % shard_count_;
  const int cpu = sched_getcpu();
  return static_cast<std::size_t>(cpu < 0 ? user : cpu) % shard_count_;
}

template <class T, class... More>
T *Recorder::make_once(std::atomic<T *> &slot, More... more) {
  T *got = slot.load(std::memory_order_acquire);
  if (got) return got;
  auto *fresh = new T(&bytes_, more...);
  if (slot.compare_exchange_strong(got, fresh, std::memory_order_acq_rel)) {
    bytes_.fetch_add(sizeof(T), std::memory_order_relaxed);
    return fresh;
  }
  delete fresh;
  return got;
}

SetCounters *Recorder::counters(Shard &shard, std::size_t id,
                                std::uint64_t second, std::int64_t latency_ns) {
  auto &slot = shard.seconds[second % kGenerations][id];
  SetCounters *set = slot.load(std::memory_order_acquire);
  // Past the budget a set grows no more: no new counters, no new chunk for
  // its latency (the corrected histogram's chunks follow the latency's but
  // for overruns, which the bound counts as one histogram per set).
  if (budget_ && id != kOtherId &&
      bytes_.load(std::memory_order_relaxed) >= budget_ &&
      (!set || !set->latency.covers(latency_ns)))
    return nullptr;
  return set ? set : make_once(slot, &pool_);
}

std::size_t Recorder::find_or_add(const IterationOutcome &out,
                                  const std::string &key, std::uint64_t hash) {
  static_assert((kIndexSlots & (kIndexSlots - 1)) == 0);
  // The set's slot, or the empty slot where it would go.
  auto probe = [&](std::size_t &slot) -> std::size_t {
    for (slot = hash & (kIndexSlots - 1);;
         slot = (slot + 1) & (kIndexSlots - 1)) {
      const std::uint32_t v = index_[slot].load(std::memory_order_acquire);
      if (v == 0) return kOtherId + 1;  // not (yet) there
      const Entry &e = entries_[v - 1];
      if (e.hash == hash && e.key == key) return v - 1;
    }
  };
  std::size_t slot = 0;
  if (std::size_t id = probe(slot); id <= kOtherId) return id;
  if (published_.load(std::memory_order_acquire) == kMaxTagSets)
    return kOtherId;
  std::lock_guard lock(adding_);
  // Another thread may have added it since: probe again, under the lock.
  if (std::size_t id = probe(slot); id <= kOtherId) return id;
  const std::size_t now = published_.load(std::memory_order_relaxed);
  if (now == kMaxTagSets) return kOtherId;
  Entry &e = entries_[now];
  e.hash = hash;
  e.key = key;
  for (const auto &k : tag_keys_)
    for (const auto &[tk, tv] : out.tags)
      if (tk == k) {
        e.tags.emplace_back(tk, tv);
        break;
      }
  published_.store(now + 1, std::memory_order_release);
  index_[slot].store(static_cast<std::uint32_t>(now + 1),
                     std::memory_order_release);
  return now;
}

void Recorder::record(std::uint32_t user, const IterationOutcome &out,
                      std::int64_t latency_ns, std::string &key,
                      const FromIntended *intended, std::uint64_t second) {
  // The set's key: the grouping tags in the schedule's order, first value
  // of each; other tags do not split the statistics.
  key.clear();
  for (const auto &k : tag_keys_)
    for (const auto &[tk, tv] : out.tags)
      if (tk == k) {
        key.append(tk).push_back(kKvSep);
        key.append(tv).push_back(kPairSep);
        break;
      }
  std::size_t id = find_or_add(out, key, fnv1a(key));
  // Computed once: on threads it may ask the kernel for the CPU.
  const std::size_t writer = writer_index(user);
  const auto shard_of = [&](std::size_t set_id) -> Shard & {
    return shards_[wide_[set_id].load(std::memory_order_relaxed) ? writer : 0];
  };
  Shard *shard = nullptr;
  if (id != kOtherId && out_[id].load(std::memory_order_relaxed)) {
    // Folded by the budget's rule: `_other`'s, with its hits counted.
    out_hits_[id].fetch_add(1, std::memory_order_relaxed);
    id = kOtherId;
    shard = &shard_of(id);
    shard->folded.fetch_add(1, std::memory_order_relaxed);
  }

  // The second's counters: recycled for it once the control thread has
  // harvested the second kGenerations before; waiting happens only if the
  // control thread fell that far behind.
  const auto &holds = holds_[second % kGenerations];
  while (holds.load(std::memory_order_acquire) != second)
    std::this_thread::yield();
  if (!shard) shard = &shard_of(id);
  SetCounters *set = counters(*shard, id, second, latency_ns);
  if (!set) {  // past the budget: counted, with its tags, in `_other`
    out_hits_[id].fetch_add(1, std::memory_order_relaxed);
    id = kOtherId;
    shard = &shard_of(id);
    shard->folded.fetch_add(1, std::memory_order_relaxed);
    set = counters(*shard, id, second, latency_ns);
  }
  if (!out.steps.empty() || !out.checks.empty() || out.steps_dropped ||
      out.checks_dropped)
    record_steps(*shard, *set, out);
  const bool error = out.failed || out.error_flag;
  if (intended && intended->missed) {
    // The missed slots belong to the set of the iteration that overran.
    set->corrected.record_descending(intended->first_missed_ns,
                                     intended->pacing_ns, intended->missed);
    set->missed.fetch_add(intended->missed, std::memory_order_relaxed);
  }
  {
    // The latencies (and so the iterations) are added with others'.
    PendingRecords &pending = pending_of(user);
    if (intended) pending.add(set->corrected, intended->latency_ns);
    pending.add(set->latency, latency_ns);
  }
  if (error) {
    set->errors.fetch_add(1, std::memory_order_relaxed);
    // The set's first error in this shard makes its slots.
    ErrorSlots *slots = make_once(shard->samples[id]);
    slots->add(out.error_text.empty() ? std::string_view("(no message)")
                                      : std::string_view(out.error_text));
  }
}

PendingRecords &Recorder::pending_of(std::uint32_t user) {
  auto &slot = pending_[user % writers()];
  PendingRecords *pending = slot.load(std::memory_order_acquire);
  if (pending) return *pending;
  auto *fresh = new PendingRecords;
  if (slot.compare_exchange_strong(pending, fresh, std::memory_order_acq_rel))
    return *fresh;
  delete fresh;
  return *pending;
}

Recorder::~Recorder() {
  for (std::size_t w = 0; w < writers(); ++w) delete pending_[w].load();
}

void Recorder::add_pending() const {
  for (std::size_t w = 0; w < writers(); ++w)
    if (PendingRecords *pending = pending_[w].load(std::memory_order_acquire))
      pending->add_all();
}

void Recorder::record_steps(Shard &shard, SetCounters &set,
                            const IterationOutcome &out) {
  std::uint64_t steps_dropped = out.steps_dropped;
  std::uint64_t checks_dropped = out.checks_dropped;
  StepCounters &counters = *make_once(set.steps);
  for (const auto &step : out.steps) {
    const std::size_t id = step_names_.find_or_add(step.name);
    if (id == kMaxHostStepNames)
      ++steps_dropped;  // past the run's distinct names
    else
      counters.record_step(id, step.duration_ns, step.failed, step.status);
  }
  for (const auto &check : out.checks) {
    const std::size_t id = check_names_.find_or_add(check.name);
    if (id == kMaxHostStepNames)
      ++checks_dropped;
    else
      counters.record_check(id, check.passed);
  }
  if (steps_dropped)
    shard.steps_dropped.fetch_add(steps_dropped, std::memory_order_relaxed);
  if (checks_dropped)
    shard.checks_dropped.fetch_add(checks_dropped, std::memory_order_relaxed);
}

void Recorder::name_steps(std::vector<StepStats> &steps,
                          std::vector<CheckStats> &checks) const {
  for (std::size_t i = 0; i < steps.size(); ++i)
    if (steps[i].name.empty()) steps[i].name = step_names_.name(i);
  for (std::size_t i = 0; i < checks.size(); ++i)
    if (checks[i].name.empty()) checks[i].name = check_names_.name(i);
}

void Recorder::add_counts(const SetCounters &c, SetTotals &into) const {
  const std::uint64_t before = into.latency.count();
  c.latency.add_to(into.latency);
  c.corrected.add_to(into.corrected);
  into.iterations += into.latency.count() - before;
  into.errors += c.errors.load(std::memory_order_relaxed);
  into.missed += c.missed.load(std::memory_order_relaxed);
  if (const StepCounters *steps = c.steps.load(std::memory_order_acquire)) {
    steps->add_to(into.steps, into.checks);
    name_steps(into.steps, into.checks);
    // Counts from the histograms (a step's count is its samples).
    for (auto &step : into.steps) step.count = step.latency.count();
  }
}

void Recorder::drain_counts(SetCounters &c, SetCounts &into) const {
  const std::uint64_t before = into.latency.count();
  c.latency.drain(into.latency);
  c.corrected.drain(into.corrected);
  into.iterations += into.latency.count() - before;
  into.errors += c.errors.load(std::memory_order_relaxed);
  into.missed += c.missed.load(std::memory_order_relaxed);
  c.errors.store(0, std::memory_order_relaxed);
  c.missed.store(0, std::memory_order_relaxed);
  if (StepCounters *steps = c.steps.load(std::memory_order_acquire)) {
    steps->add_to(into.steps, into.checks);
    name_steps(into.steps, into.checks);
    for (auto &step : into.steps) step.count = step.latency.count();
    steps->reset();
  }
}

void Recorder::add_to_totals(const SetCounts &counts, SetTotals &total) const {
  total.steps.resize(std::max(total.steps.size(), counts.steps.size()));
  total.checks.resize(std::max(total.checks.size(), counts.checks.size()));
  name_steps(total.steps, total.checks);
  total.latency.merge(counts.latency);
  total.corrected.merge(counts.corrected);
  total.iterations += counts.iterations;
  total.errors += counts.errors;
  total.missed += counts.missed;
  for (std::size_t i = 0; i < counts.steps.size(); ++i)
    total.steps[i].merge(counts.steps[i]);
  for (std::size_t i = 0; i < counts.checks.size(); ++i) {
    total.checks[i].passes += counts.checks[i].passes;
    total.checks[i].fails += counts.checks[i].fails;
  }
}

Recorder::SetCounts &Recorder::next_counts(std::vector<SetCounts> &out,
                                           std::size_t used) {
  if (used == out.size()) {
    if (spare_.empty()) return out.emplace_back();
    out.push_back(std::move(spare_.back()));
    spare_.pop_back();
  }
  SetCounts &c = out[used];
  c.latency.clear();
  c.corrected.clear();
  c.iterations = c.errors = c.missed = 0;
  c.steps.clear();
  c.checks.clear();
  return c;
}

void Recorder::start_at_second(std::uint64_t second) {
  harvested_ = second;
  open_.store(second, std::memory_order_seq_cst);
  // Generation g holds the first second at or after `second` that is g
  // modulo kGenerations.
  for (std::size_t g = 0; g < kGenerations; ++g)
    holds_[g].store(
        second + (g + kGenerations - second % kGenerations) % kGenerations,
        std::memory_order_release);
}

void Recorder::harvest(std::uint64_t second, std::vector<SetCounts> &out) {
  if (second != harvested_ || open_.load() <= second)
    throw std::logic_error("Recorder::harvest: second " +
                           std::to_string(second) + " out of order or open");
  ++harvested_;
  add_pending();  // the second's last records among them
  auto &holds = holds_[second % kGenerations];
  const std::size_t n = published_.load(std::memory_order_acquire);
  hits_.fill(0);
  std::size_t used = 0;
  for (std::size_t id = 0; id <= kMaxTagSets; ++id) {
    if (id >= n && id != kOtherId) continue;
    SetCounts *counts = nullptr;
    for (std::size_t s = 0; s < shard_count_; ++s) {
      SetCounters *set = shards_[s].seconds[second % kGenerations][id].load(
          std::memory_order_acquire);
      if (!set) continue;
      if (!counts) counts = &next_counts(out, used);
      drain_counts(*set, *counts);
    }
    // Only sets that ran iterations in the second (else the element is
    // reused for the next).
    if (!counts || counts->iterations == 0) continue;
    counts->id = id;
    ++used;
    counts->latency.tidy();  // drained from more than one shard
    counts->corrected.tidy();
    hits_[id] = counts->iterations;
    // Hot: spread over the shards from now on (kWideAt).
    if (counts->iterations >= kWideAt)
      wide_[id].store(true, std::memory_order_relaxed);
    add_to_totals(*counts, totals_[id]);
  }
  // Fewer sets than last second: the rest keep their buffers for later.
  while (out.size() > used) {
    spare_.push_back(std::move(out.back()));
    out.pop_back();
  }
  free_folded(second % kGenerations);
  rebalance();
  // Its counters are zero again: free for the second kGenerations later.
  holds.store(second + kGenerations, std::memory_order_release);
}

std::uint64_t Recorder::folded() const {
  std::uint64_t n = 0;
  for (std::size_t s = 0; s < shard_count_; ++s)
    n += shards_[s].folded.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t Recorder::steps_dropped() const {
  std::uint64_t n = 0;
  for (std::size_t s = 0; s < shard_count_; ++s)
    n += shards_[s].steps_dropped.load(std::memory_order_relaxed);
  return n;
}

std::uint64_t Recorder::checks_dropped() const {
  std::uint64_t n = 0;
  for (std::size_t s = 0; s < shard_count_; ++s)
    n += shards_[s].checks_dropped.load(std::memory_order_relaxed);
  return n;
}

void Recorder::describe(
    std::size_t id, std::string &key,
    std::vector<std::pair<std::string, std::string>> &tags) const {
  key.clear();
  tags.clear();
  if (id == kOtherId) {
    key = std::string(kOtherTagSet);
    return;
  }
  tags = entries_[id].tags;
  key = tag_set_key(tags);
}

std::vector<TagSetStats> Recorder::tag_sets() const {
  add_pending();
  std::vector<TagSetStats> out;
  const std::size_t n = published_.load(std::memory_order_acquire);
  for (std::size_t id = 0; id <= kMaxTagSets; ++id) {
    if (id >= n && id != kOtherId) continue;
    auto it = totals_.find(id);
    add_set(id, it != totals_.end() ? it->second : SetTotals{}, out);
  }
  std::sort(out.begin(), out.end(),
            [](const auto &a, const auto &b) { return a.key < b.key; });
  return out;
}

std::vector<TagSetStats> Recorder::take_tag_sets() {
  add_pending();
  std::vector<TagSetStats> out;
  const std::size_t n = published_.load(std::memory_order_acquire);
  for (std::size_t id = 0; id <= kMaxTagSets; ++id) {
    if (id >= n && id != kOtherId) continue;
    // Moved, not copied: a thousand sets' whole-run histograms.
    auto it = totals_.find(id);
    add_set(id, it != totals_.end() ? std::move(it->second) : SetTotals{}, out);
  }
  totals_.clear();
  std::sort(out.begin(), out.end(),
            [](const auto &a, const auto &b) { return a.key < b.key; });
  return out;
}

void Recorder::add_set(std::size_t id, SetTotals counts,
                       std::vector<TagSetStats> &out) const {
  // The seconds harvested (counts), and the ones still in the ring.
  name_steps(counts.steps, counts.checks);
  TagSetStats stats;
  describe(id, stats.key, stats.tags);
  for (std::size_t s = 0; s < shard_count_; ++s) {
    for (const auto &second : shards_[s].seconds)
      if (const SetCounters *set = second[id].load(std::memory_order_acquire))
        add_counts(*set, counts);
    if (const ErrorSlots *slots =
            shards_[s].samples[id].load(std::memory_order_acquire))
      slots->add_to(stats);
  }
  stats.latency = std::move(counts.latency);
  stats.corrected = std::move(counts.corrected);
  stats.iterations = counts.iterations;
  stats.errors = counts.errors;
  stats.missed = counts.missed;
  // The steps and checks that ran, in the order their names first did.
  for (auto &step : counts.steps)
    if (step.count) stats.steps.push_back(std::move(step));
  for (auto &check : counts.checks)
    if (check.passes + check.fails) stats.checks.push_back(std::move(check));
  if (stats.iterations) out.push_back(std::move(stats));
}

}  // namespace golo::agent::detail
