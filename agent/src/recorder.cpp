#include "recorder.h"

#include "golo/agent/utf8.h"

#include <algorithm>

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
  for (auto &s : sets) delete s.load();
}

Recorder::Recorder(std::vector<std::string> tag_keys, std::size_t users)
    : tag_keys_(std::move(tag_keys)),
      shard_count_(std::clamp<std::size_t>(users, 1, 64)) {
  shards_ = std::make_unique<Shard[]>(shard_count_);
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
                      const FromIntended *intended) {
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
  const std::size_t id = find_or_add(out, key, fnv1a(key));

  Shard &shard = shards_[user % shard_count_];
  auto &slot = shard.sets[id];
  SetCounters *set = slot.load(std::memory_order_acquire);
  if (!set) {  // first iteration of this set in this shard
    auto *fresh = new SetCounters();
    if (slot.compare_exchange_strong(set, fresh, std::memory_order_acq_rel))
      set = fresh;
    else
      delete fresh;
  }
  if (!out.steps.empty() || !out.checks.empty() || out.steps_dropped ||
      out.checks_dropped)
    record_steps(shard, *set, out);
  const bool error = out.failed || out.error_flag;
  if (intended) {
    // The missed slots belong to the set of the iteration that overran.
    set->corrected.record(intended->latency_ns);
    if (intended->missed) {
      set->corrected.record_descending(intended->first_missed_ns,
                                       intended->pacing_ns, intended->missed);
      set->missed.fetch_add(intended->missed, std::memory_order_relaxed);
    }
  }
  set->latency.record(latency_ns);
  set->iterations.fetch_add(1, std::memory_order_relaxed);
  shard.overall.record(latency_ns);
  shard.iterations.fetch_add(1, std::memory_order_relaxed);
  if (error) {
    set->errors.fetch_add(1, std::memory_order_relaxed);
    shard.errors.fetch_add(1, std::memory_order_relaxed);
    set->samples.add(out.error_text.empty() ? std::string_view("(no message)")
                                            : std::string_view(out.error_text));
  }
}

void Recorder::record_steps(Shard &shard, SetCounters &set,
                            const IterationOutcome &out) {
  std::uint64_t steps_dropped = out.steps_dropped;
  std::uint64_t checks_dropped = out.checks_dropped;
  StepCounters &counters = counters_of(set.steps);
  for (const auto &step : out.steps) {
    const std::size_t id = step_names_.find_or_add(step.name);
    if (id == kMaxStepNames)
      ++steps_dropped;  // past the run's distinct names
    else
      counters.record_step(id, step.duration_ns, step.failed);
  }
  for (const auto &check : out.checks) {
    const std::size_t id = check_names_.find_or_add(check.name);
    if (id == kMaxStepNames)
      ++checks_dropped;
    else
      counters.record_check(id, check.passed);
  }
  if (steps_dropped)
    shard.steps_dropped.fetch_add(steps_dropped, std::memory_order_relaxed);
  if (checks_dropped)
    shard.checks_dropped.fetch_add(checks_dropped, std::memory_order_relaxed);
}

void Recorder::add_steps(std::size_t id, std::vector<StepStats> &steps,
                         std::vector<CheckStats> &checks) const {
  steps.assign(step_names_.size(), {});
  checks.assign(check_names_.size(), {});
  for (std::size_t i = 0; i < steps.size(); ++i)
    steps[i].name = step_names_.name(i);
  for (std::size_t i = 0; i < checks.size(); ++i)
    checks[i].name = check_names_.name(i);
  bool any = false;
  for (std::size_t s = 0; s < shard_count_; ++s) {
    const SetCounters *set =
        shards_[s].sets[id].load(std::memory_order_acquire);
    const StepCounters *c =
        set ? set->steps.load(std::memory_order_acquire) : nullptr;
    if (!c) continue;
    any = true;
    c->add_to(steps, checks);
  }
  if (!any) {
    steps.clear();
    checks.clear();
    return;
  }
  // Counts from the histograms copied, so that each holds as many samples
  // as its count (see StepCounters::add_to on errors).
  for (auto &step : steps) step.count = step.latency.count();
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

void Recorder::snapshot(Histogram &latency, std::uint64_t &iterations,
                        std::uint64_t &errors) const {
  latency.reset();
  iterations = errors = 0;
  for (std::size_t s = 0; s < shard_count_; ++s) {
    shards_[s].overall.add_to(latency);
    iterations += shards_[s].iterations.load(std::memory_order_relaxed);
    errors += shards_[s].errors.load(std::memory_order_relaxed);
  }
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

void Recorder::snapshot_sets(std::vector<SetSnapshot> &out) const {
  out.clear();
  const std::size_t n = published_.load(std::memory_order_acquire);
  for (std::size_t id = 0; id <= kMaxTagSets; ++id) {
    if (id >= n && id != kOtherId) continue;
    SetSnapshot snap;
    snap.id = id;
    bool seen = false;
    for (std::size_t s = 0; s < shard_count_; ++s) {
      const SetCounters *set =
          shards_[s].sets[id].load(std::memory_order_acquire);
      if (!set) continue;
      seen = true;
      // Errors before the histogram (an error is counted after its
      // latency), and iterations from the counters copied: every interval
      // then has as many iterations as its histogram holds.
      snap.errors += set->errors.load(std::memory_order_relaxed);
      snap.missed += set->missed.load(std::memory_order_relaxed);
      set->corrected.add_to(snap.corrected);
      set->latency.add_to(snap.latency);
    }
    snap.iterations = snap.latency.count();
    add_steps(id, snap.steps, snap.checks);
    if (seen) out.push_back(std::move(snap));
  }
}

std::vector<TagSetStats> Recorder::tag_sets() const {
  std::vector<TagSetStats> out;
  const std::size_t n = published_.load(std::memory_order_acquire);
  for (std::size_t id = 0; id <= kMaxTagSets; ++id) {
    if (id >= n && id != kOtherId) continue;
    TagSetStats stats;
    describe(id, stats.key, stats.tags);
    for (std::size_t s = 0; s < shard_count_; ++s) {
      const SetCounters *set =
          shards_[s].sets[id].load(std::memory_order_acquire);
      if (!set) continue;
      set->latency.add_to(stats.latency);
      set->corrected.add_to(stats.corrected);
      stats.missed += set->missed.load(std::memory_order_relaxed);
      stats.iterations += set->iterations.load(std::memory_order_relaxed);
      stats.errors += set->errors.load(std::memory_order_relaxed);
      set->samples.add_to(stats);
    }
    // The steps and checks that ran, in the order their names first did.
    std::vector<StepStats> steps;
    std::vector<CheckStats> checks;
    add_steps(id, steps, checks);
    for (auto &step : steps)
      if (step.count) stats.steps.push_back(std::move(step));
    for (auto &check : checks)
      if (check.passes + check.fails) stats.checks.push_back(std::move(check));
    if (stats.iterations) out.push_back(std::move(stats));
  }
  std::sort(out.begin(), out.end(),
            [](const auto &a, const auto &b) { return a.key < b.key; });
  return out;
}

}  // namespace golo::agent::detail
