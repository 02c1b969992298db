// Results as numbers: a tag set's counts and histograms, merging hosts'
// results, folding tag sets past the cap, combining progress. Their JSON
// form is results_json.cpp's.
#include "golo/agent/results.h"

#include "golo/agent/series.h"
#include "golo/agent/utf8.h"

#include <algorithm>
#include <set>

namespace golo::agent {

std::string tag_set_key(
    const std::vector<std::pair<std::string, std::string>> &tags) {
  std::string key;
  const auto append = [&key](const std::string &text) {
    for (const char c : text) {
      if (c == '\\' || c == ',' || c == '=') key.push_back('\\');
      key.push_back(c);
    }
  };
  for (const auto &[k, v] : tags) {
    if (!key.empty()) key.push_back(',');
    append(k);
    key.push_back('=');
    append(v);
  }
  return key;
}

namespace {

double us(std::int64_t ns) { return static_cast<double>(ns) / 1e3; }

}  // namespace

LatencyUs LatencyUs::of(const Histogram &h) {
  return {us(h.min()),
          us(h.value_at_percentile(50)),
          us(h.value_at_percentile(90)),
          us(h.value_at_percentile(95)),
          us(h.value_at_percentile(99)),
          us(h.value_at_percentile(99.9)),
          us(h.max()),
          h.mean() / 1e3};
}

void TagSetStats::add_iteration(std::int64_t latency_ns, bool error,
                                std::string_view error_text) {
  ++iterations;
  latency.record(latency_ns);
  if (!error) return;
  ++errors;
  add_error_sample(error_text, 1);
}

void TagSetStats::add_error_sample(std::string_view raw, std::uint64_t count) {
  // Samples are written as JSON, which must be valid UTF-8.
  const std::string text = utf8_bounded(raw, kMaxErrorTextLen);
  for (auto &e : error_samples)
    if (e.text == text) {
      e.count += count;
      return;
    }
  if (error_samples.size() < kMaxErrorSamples)
    error_samples.push_back({text, count});
}

void TagSetStats::merge(const TagSetStats &other) {
  const std::uint64_t mine = iterations;
  iterations += other.iterations;
  errors += other.errors;
  dropped += other.dropped;
  interrupted += other.interrupted;
  missed += other.missed;
  // The open model keeps no corrected histogram: its latency already is
  // from the intended start. Where it meets a closed model's (scenarios of
  // both kinds), it counts there as it is, so that the corrected figures
  // cover every iteration.
  const bool mine_open = corrected.count() == 0 && mine != 0;
  const bool theirs_open =
      other.corrected.count() == 0 && other.iterations != 0;
  if (mine_open && other.corrected.count() != 0) corrected = latency;
  if (theirs_open && corrected.count() != 0)
    corrected.merge(other.latency);
  else
    corrected.merge(other.corrected);
  latency.merge(other.latency);
  for (const auto &e : other.error_samples) add_error_sample(e.text, e.count);
  merge_steps(steps, other.steps);
  merge_checks(checks, other.checks);
}

double TagSetStats::error_rate() const {
  return iterations
             ? static_cast<double>(errors) / static_cast<double>(iterations)
             : 0.0;
}

RowLatency RowLatency::of(const Histogram::Sparse &counts) {
  // Histogram::from_sparse(counts).value_at_percentile(p) for each p, in one
  // walk over the sorted counters, without building the histogram: a long
  // run takes this once per row and tag set.
  using L = HistogramLayout;
  std::uint64_t total = 0;
  std::int64_t lo = 0, hi = 0;
  for (const auto &[index, n] : counts) {
    if (index >= L::kCountsLen || n == 0) continue;
    if (total == 0) lo = L::lowest_at(index);
    hi = std::min(L::highest_at(index), L::kHighest);
    total += n;
  }
  RowLatency out;
  if (total == 0) return out;
  std::int64_t *fields[] = {&out.p50, &out.p90, &out.p95, &out.p99};
  const double ps[] = {50, 90, 95, 99};
  std::size_t next = 0;
  std::uint64_t seen = 0;
  for (const auto &[index, n] : counts) {
    if (index >= L::kCountsLen || n == 0) continue;
    seen += n;
    while (next < 4) {
      const auto wanted = Histogram::percentile_rank(ps[next], total);
      if (seen < wanted) break;
      *fields[next++] = std::clamp(L::highest_at(index), lo, hi);
    }
  }
  out.max = hi;
  return out;
}

std::int64_t SecondStats::percentile(double p) const {
  if (!frozen()) return Histogram::from_sparse(latency).value_at_percentile(p);
  const RowLatency q = kept;
  return p <= 50   ? q.p50
         : p <= 90 ? q.p90
         : p <= 95 ? q.p95
         : p <= 99 ? q.p99
                   : q.max;
}

RowLatency SecondStats::quantiles() const {
  return frozen() ? kept : RowLatency::of(latency);
}

void SecondStats::freeze() {
  if (!frozen()) kept = RowLatency::of(latency);
  latency.clear();
  latency.shrink_to_fit();
}

double RunResults::rate() const { return rate(total); }

double RunResults::rate(const TagSetStats &set) const {
  return duration_s > 0 ? static_cast<double>(set.iterations) / duration_s
                        : 0.0;
}

const TagSetStats *RunResults::find(std::string_view key) const {
  for (const auto &s : tag_sets)
    if (s.key == key) return &s;
  return nullptr;
}

void DataUse::merge(const DataUse &other) {
  rows_used += other.rows_used;
  hosts_out += other.hosts_out;
  ran_out_s = std::max(ran_out_s, other.ran_out_s);
}

void RunResults::merge(const RunResults &other) {
  if (schedule.is_null()) schedule = other.schedule;
  duration_s = std::max(duration_s, other.duration_s);
  stopped_early = stopped_early || other.stopped_early;
  partial = partial || other.partial;
  folded_tag_sets += other.folded_tag_sets;
  host_folded_tag_sets = host_folded_tag_sets || other.host_folded_tag_sets;
  over_budget += other.over_budget;
  steps_dropped += other.steps_dropped;
  stalls += other.stalls;
  checks_dropped += other.checks_dropped;
  folded_steps += other.folded_steps;
  folded_checks += other.folded_checks;
  for (const auto &d : other.data) {
    auto same = std::find_if(data.begin(), data.end(), [&](const DataUse &x) {
      return x.file == d.file && x.scenario == d.scenario;
    });
    if (same == data.end())
      data.push_back(d);
    else
      same->merge(d);
  }
  total.merge(other.total);
  for (const auto &s : other.tag_sets) {
    auto it = std::lower_bound(
        tag_sets.begin(), tag_sets.end(), s.key,
        [](const TagSetStats &a, const std::string &k) { return a.key < k; });
    if (it != tag_sets.end() && it->key == s.key)
      it->merge(s);
    else
      tag_sets.insert(it, s);
  }
  merge_series(series, other.series);
  for (const auto &set : other.tag_set_series) {
    auto it = std::lower_bound(
        tag_set_series.begin(), tag_set_series.end(), set.key,
        [](const TagSetSeries &a, const std::string &k) { return a.key < k; });
    if (it != tag_set_series.end() && it->key == set.key)
      merge_series(it->rows, set.rows);
    else
      tag_set_series.insert(it, set);
  }
  for (const auto &step : other.step_series) {
    auto it = std::lower_bound(
        step_series.begin(), step_series.end(), step.name,
        [](const StepSeries &a, const std::string &n) { return a.name < n; });
    if (it != step_series.end() && it->name == step.name)
      merge_series(it->rows, step.rows);
    else
      step_series.insert(it, step);
  }
  if (start_unix_ms == 0 ||
      (other.start_unix_ms && other.start_unix_ms < start_unix_ms))
    start_unix_ms = other.start_unix_ms;
}

void RunResults::cap_tag_sets(std::size_t max) {
  const TagSetStats *own_other = find(kOtherTagSet);
  host_folded_tag_sets = host_folded_tag_sets || own_other != nullptr;
  const std::size_t named = tag_sets.size() - (own_other ? 1 : 0);
  if (named <= max) return;
  std::vector<const TagSetStats *> order;
  for (const auto &s : tag_sets)
    if (s.key != kOtherTagSet) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](const auto *a, const auto *b) {
    return a->iterations != b->iterations ? a->iterations > b->iterations
                                          : a->key < b->key;
  });
  std::set<std::string> keep;
  for (std::size_t i = 0; i < max; ++i) keep.insert(order[i]->key);

  TagSetStats other;
  other.key = std::string(kOtherTagSet);
  std::vector<TagSetStats> kept;
  for (auto &s : tag_sets) {
    if (keep.count(s.key)) {
      kept.push_back(std::move(s));
    } else {
      if (s.key != kOtherTagSet) ++folded_tag_sets;
      other.merge(s);
    }
  }
  TagSetSeries other_series;
  other_series.key = other.key;
  std::vector<TagSetSeries> kept_series;
  for (auto &s : tag_set_series) {
    if (keep.count(s.key))
      kept_series.push_back(std::move(s));
    else
      merge_series(other_series.rows, s.rows);
  }
  auto by_key = [](const auto &a, const auto &b) { return a.key < b.key; };
  kept.push_back(std::move(other));
  std::sort(kept.begin(), kept.end(), by_key);
  tag_sets = std::move(kept);
  if (!other_series.rows.empty())
    kept_series.push_back(std::move(other_series));
  std::sort(kept_series.begin(), kept_series.end(), by_key);
  tag_set_series = std::move(kept_series);
}

Progress counts_only(const Progress &p) {
  Progress out;
  out.elapsed_s = p.elapsed_s;
  out.iterations = p.iterations;
  out.errors = p.errors;
  out.dropped = p.dropped;
  out.missed = p.missed;
  out.steps_dropped = p.steps_dropped;
  out.checks_dropped = p.checks_dropped;
  return out;
}

Progress combine(const std::vector<Progress> &parts) {
  Progress all;
  Histogram merged, corrected;
  bool exact = true;
  for (const auto &p : parts) {
    all.elapsed_s = std::max(all.elapsed_s, p.elapsed_s);
    all.active_users += p.active_users;
    all.iterations += p.iterations;
    all.errors += p.errors;
    all.dropped += p.dropped;
    all.missed += p.missed;
    all.steps_dropped += p.steps_dropped;
    all.checks_dropped += p.checks_dropped;
    all.interval_rate += p.interval_rate;
    all.p50_us = std::max(all.p50_us, p.p50_us);
    all.p95_us = std::max(all.p95_us, p.p95_us);
    all.p99_us = std::max(all.p99_us, p.p99_us);
    // A host with iterations in the interval but no histogram cannot be
    // merged; one with neither has nothing to add.
    if (p.interval.empty() && p.p50_us > 0) exact = false;
    merged.merge_sparse(p.interval);
    corrected.merge_sparse(p.interval_corrected);
  }
  if (exact) {
    all.p50_us = merged.value_at_percentile(50) / 1e3;
    all.p95_us = merged.value_at_percentile(95) / 1e3;
    all.p99_us = merged.value_at_percentile(99) / 1e3;
  }
  all.interval = merged.to_sparse();
  all.interval_corrected = corrected.to_sparse();
  return all;
}

}  // namespace golo::agent
