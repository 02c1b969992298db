#include "golo/agent/series.h"

#include <algorithm>
#include <limits>

namespace golo::agent {

namespace {

// Both sorted by index, as Histogram::to_sparse makes them.
Histogram::Sparse add_sparse(const Histogram::Sparse &a,
                             const Histogram::Sparse &b) {
  Histogram::Sparse out;
  out.reserve(std::max(a.size(), b.size()));
  auto i = a.begin(), j = b.begin();
  while (i != a.end() || j != b.end()) {
    if (j == b.end() || (i != a.end() && i->first < j->first)) {
      out.push_back(*i++);
    } else if (i == a.end() || j->first < i->first) {
      out.push_back(*j++);
    } else {
      out.emplace_back(i->first, i->second + j->second);
      ++i, ++j;
    }
  }
  return out;
}

SecondStats row_of(const TagSetInterval &s, std::uint64_t second) {
  SecondStats row;
  row.second = second;
  row.iterations = s.iterations;
  row.errors = s.errors;
  row.missed = s.missed;
  row.latency = s.latency;
  return row;
}

constexpr std::size_t kBucketBytes = sizeof(Histogram::Sparse::value_type);

}  // namespace

void merge_rows(SecondStats &a, const SecondStats &b, bool same_time) {
  if (!a.frozen() && !b.frozen()) {
    a.latency = add_sparse(a.latency, b.latency);
  } else {
    const RowLatency x = a.quantiles(), y = b.quantiles();
    a.kept = {std::max(x.p50, y.p50), std::max(x.p90, y.p90),
              std::max(x.p95, y.p95), std::max(x.p99, y.p99),
              std::max(x.max, y.max)};
    a.latency.clear();
    a.latency.shrink_to_fit();
  }
  a.iterations += b.iterations;
  a.errors += b.errors;
  a.dropped += b.dropped;
  a.missed += b.missed;
  if (same_time) {
    a.active_users += b.active_users;
  } else {
    a.active_users = std::max(a.active_users, b.active_users);
    a.second = std::max(a.second, b.second);
    a.seconds += b.seconds;
  }
}

// Rows of one series of the same run from two hosts (or runs): by second.
void merge_series(std::vector<SecondStats> &into,
                  const std::vector<SecondStats> &other) {
  for (const auto &s : other) {
    auto it = std::lower_bound(
        into.begin(), into.end(), s.second,
        [](const SecondStats &a, std::uint64_t sec) { return a.second < sec; });
    if (it == into.end() || it->second != s.second)
      into.insert(it, s);
    else
      merge_rows(*it, s, true);
  }
}

void Interval::merge(const Interval &other) {
  merge_rows(total, other.total, true);
  std::vector<TagSetInterval> out;
  out.reserve(sets.size() + other.sets.size());
  auto i = sets.begin();
  auto j = other.sets.begin();
  while (i != sets.end() || j != other.sets.end()) {
    if (j == other.sets.end() || (i != sets.end() && i->key < j->key)) {
      out.push_back(std::move(*i++));
    } else if (i == sets.end() || j->key < i->key) {
      out.push_back(*j++);
    } else {
      i->iterations += j->iterations;
      i->errors += j->errors;
      i->missed += j->missed;
      i->latency = add_sparse(i->latency, j->latency);
      i->corrected = add_sparse(i->corrected, j->corrected);
      merge_step_intervals(i->steps, j->steps);
      merge_checks(i->checks, j->checks);
      out.push_back(std::move(*i++));
      ++j;
    }
  }
  sets = std::move(out);
}

SeriesBuilder::SeriesBuilder(SeriesLimits limits, bool per_tag_set)
    : limits_(limits), per_tag_set_(per_tag_set) {
  limits_.max_rows = std::max<std::size_t>(limits_.max_rows, 2);
}

void SeriesBuilder::append(std::vector<SecondStats> &rows, SecondStats row) {
  // A row covers the step-long group of seconds its end falls in.
  if (!rows.empty() &&
      (rows.back().second - 1) / step_ == (row.second - 1) / step_) {
    const std::size_t before = rows.back().latency.size();
    merge_rows(rows.back(), row, false);
    buckets_ = buckets_ - before + rows.back().latency.size();
    return;
  }
  buckets_ += row.latency.size();
  rows.push_back(std::move(row));
}

void SeriesBuilder::merge_late(std::vector<SecondStats> &rows,
                               SecondStats row) {
  const std::uint64_t second = row.second;
  auto it = std::lower_bound(
      rows.begin(), rows.end(), second,
      [](const SecondStats &r, std::uint64_t s) { return r.second < s; });
  if (it == rows.end() || it->second - it->seconds >= second) {
    buckets_ += row.latency.size();
    rows.insert(it, std::move(row));
    return;
  }
  const std::size_t before = it->latency.size();
  merge_rows(*it, row, true);
  buckets_ = buckets_ - before + it->latency.size();
}

void SeriesBuilder::add_keyed(Sets &sets, std::vector<Keyed> rows,
                              std::uint64_t second, bool late) {
  for (auto &k : rows) {
    auto [it, fresh] = sets.try_emplace(k.key);
    if (fresh) it->second.tags = k.tags;
    if (late)
      merge_late(it->second.rows, std::move(k.row));
    else
      append(it->second.rows, std::move(k.row));
  }
  if (late) return;
  // Every key already seen gets a row for this second, zero if idle.
  for (auto &[key, set] : sets)
    if (set.rows.empty() || set.rows.back().second < second) {
      SecondStats idle;
      idle.second = second;
      append(set.rows, std::move(idle));
    }
}

void SeriesBuilder::add(const Interval &iv) {
  const std::uint64_t second = iv.total.second;
  // A late part of a second already added goes into the row holding it.
  const bool late = !total_.empty() && second <= last_second_;
  if (late) {
    merge_late(total_, iv.total);
  } else {
    last_second_ = second;
    SecondStats total = iv.total;
    total.seconds = 1;
    append(total_, std::move(total));
  }
  if (per_tag_set_) {
    std::vector<Keyed> sets;
    for (const auto &s : iv.sets)
      sets.push_back({s.key, s.tags, row_of(s, second)});
    add_keyed(sets_, std::move(sets), second, late);
    // The steps of every set, added up by name, as the total's.
    std::vector<StepInterval> steps;
    for (const auto &s : iv.sets) merge_step_intervals(steps, s.steps);
    static const std::vector<std::pair<std::string, std::string>> kNoTags;
    std::vector<Keyed> named;
    for (const auto &st : steps) {
      SecondStats row;
      row.second = second;
      row.iterations = st.count;
      row.errors = st.errors;
      row.latency = st.latency;
      named.push_back({st.name, kNoTags, std::move(row)});
    }
    add_keyed(steps_, std::move(named), second, late);
  }
  if (late) return;
  while (total_.size() > limits_.max_rows) coarsen();
  while (buckets_ * kBucketBytes > limits_.histogram_bytes && freeze_oldest()) {
  }
}

void SeriesBuilder::coarsen() {
  step_ *= 2;
  buckets_ = 0;
  auto regroup = [&](std::vector<SecondStats> &rows, std::size_t &cursor) {
    std::vector<SecondStats> out;
    out.reserve(rows.size() / 2 + 1);
    for (auto &r : rows) {
      if (!out.empty() &&
          (out.back().second - 1) / step_ == (r.second - 1) / step_)
        merge_rows(out.back(), r, false);
      else
        out.push_back(std::move(r));
    }
    rows = std::move(out);
    cursor = 0;
    while (cursor < rows.size() && rows[cursor].second <= frozen_through_)
      ++cursor;
    for (const auto &r : rows) buckets_ += r.latency.size();
  };
  regroup(total_, total_unfrozen_);
  for (Sets *sets : {&sets_, &steps_})
    for (auto &[key, set] : *sets) regroup(set.rows, set.unfrozen);
}

void SeriesBuilder::freeze_through(std::vector<SecondStats> &rows,
                                   std::size_t &cursor, std::uint64_t second) {
  while (cursor < rows.size() && rows[cursor].second <= second) {
    buckets_ -= rows[cursor].latency.size();
    rows[cursor].freeze();
    ++cursor;
  }
}

bool SeriesBuilder::freeze_oldest() {
  // The latest row keeps its histogram: later seconds may merge into it.
  if (total_unfrozen_ + 1 >= total_.size()) return false;
  const std::uint64_t second = total_[total_unfrozen_].second;
  freeze_through(total_, total_unfrozen_, second);
  for (Sets *sets : {&sets_, &steps_})
    for (auto &[key, set] : *sets)
      freeze_through(set.rows, set.unfrozen, second);
  frozen_through_ = second;
  return true;
}

void SeriesBuilder::fill(RunResults &r) const {
  r.series = total_;
  r.tag_set_series.clear();
  for (const auto &[key, set] : sets_)
    r.tag_set_series.push_back({key, set.tags, set.rows});
  r.step_series.clear();
  for (const auto &[name, set] : steps_)
    r.step_series.push_back({name, set.rows});
}

void SeriesBuilder::take(RunResults &r) {
  r.series = std::move(total_);
  r.tag_set_series.clear();
  for (auto &[key, set] : sets_)
    r.tag_set_series.push_back({key, std::move(set.tags), std::move(set.rows)});
  r.step_series.clear();
  for (auto &[name, set] : steps_)
    r.step_series.push_back({name, std::move(set.rows)});
  total_.clear();
  sets_.clear();
  steps_.clear();
  buckets_ = 0;
}

std::size_t SeriesBuilder::bytes() const {
  std::size_t n = sizeof(*this) + total_.capacity() * sizeof(SecondStats) +
                  buckets_ * kBucketBytes;
  for (const Sets *sets : {&sets_, &steps_})
    for (const auto &[key, set] : *sets) {
      n += sizeof(set) + key.capacity() +
           set.rows.capacity() * sizeof(SecondStats);
      for (const auto &[k, v] : set.tags) n += k.capacity() + v.capacity();
    }
  return n;
}

std::optional<Interval> ProgressLog::add(const Progress &p) {
  return add(p, p.tag_sets);
}

std::optional<Interval> ProgressLog::add(const Progress &p,
                                         std::vector<TagSetInterval> sets) {
  const bool start_marker = !started_ && p.elapsed_s == 0 &&
                            p.iterations == 0 && p.dropped == 0 &&
                            p.interval.empty();
  started_ = true;
  std::optional<Interval> out;
  if (!start_marker) {
    // Counts are cumulative: an interval's are the difference from the
    // previous update (a host never reports fewer than before).
    auto since = [](std::uint64_t now, std::uint64_t before) {
      return now > before ? now - before : 0;
    };
    Interval iv;
    iv.total.second = ++second_;
    iv.total.iterations = since(p.iterations, latest_.iterations);
    iv.total.errors = since(p.errors, latest_.errors);
    iv.total.dropped = since(p.dropped, latest_.dropped);
    iv.total.missed = since(p.missed, latest_.missed);
    iv.total.active_users = p.active_users;
    iv.total.latency = p.interval;
    // The intervals add up to the host's whole run so far, per tag set
    // and in the total.
    for (const auto &set : sets) {
      add_step_intervals(steps_, set.steps);
      merge_checks(checks_, set.checks);
      add_set_interval(set);
    }
    iv.sets = std::move(sets);
    latency_.merge_sparse(p.interval);
    corrected_.merge_sparse(p.interval_corrected);
    series_.add(iv);
    out = std::move(iv);
  }
  latest_ = p;               // cheap once the caller took the sets out
  latest_.tag_sets.clear();  // only the interval needs them
  return out;
}

void ProgressLog::add_set_interval(const TagSetInterval &set) {
  auto [it, fresh] = sets_.try_emplace(set.key);
  TagSetStats &s = it->second;
  if (fresh) {
    s.key = set.key;
    s.tags = set.tags;
  }
  s.iterations += set.iterations;
  s.errors += set.errors;
  s.missed += set.missed;
  s.latency.merge_sparse(set.latency);
  s.corrected.merge_sparse(set.corrected);
  add_step_intervals(s.steps, set.steps);
  merge_checks(s.checks, set.checks);
}

RunResults ProgressLog::results(const nlohmann::json &schedule) const {
  RunResults r;
  r.schedule = schedule;
  r.duration_s = latest_.elapsed_s;
  r.partial = true;
  r.total.iterations = latest_.iterations;
  r.total.errors = latest_.errors;
  r.total.dropped = latest_.dropped;
  r.total.missed = latest_.missed;
  r.total.latency = latency_;
  r.total.corrected = corrected_;
  r.total.steps = steps_;
  r.total.checks = checks_;
  r.tag_sets.reserve(sets_.size());
  for (const auto &[key, set] : sets_) r.tag_sets.push_back(set);  // by key
  r.steps_dropped = latest_.steps_dropped;
  r.checks_dropped = latest_.checks_dropped;
  series_.fill(r);
  return r;
}

FleetSeries::FleetSeries(std::size_t hosts, std::uint64_t max_lag)
    : reported_(hosts, 0), done_(hosts, false), max_lag_(max_lag) {}

void FleetSeries::add(std::size_t host, Interval iv) {
  const std::uint64_t second = iv.total.second;
  reported_[host] = std::max(reported_[host], second);
  if (second <= released_) {
    ++late_;
    late_out_.push_back(std::move(iv));
    return;
  }
  auto [it, fresh] = pending_.try_emplace(second);
  if (fresh)
    it->second = std::move(iv);
  else
    it->second.merge(iv);
}

void FleetSeries::host_done(std::size_t host) { done_[host] = true; }

std::vector<Interval> FleetSeries::take_ready() {
  std::uint64_t ready = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t ahead = 0;
  for (std::size_t h = 0; h < reported_.size(); ++h) {
    ahead = std::max(ahead, reported_[h]);
    if (!done_[h]) ready = std::min(ready, reported_[h]);
  }
  if (ahead > max_lag_) ready = std::max(ready, ahead - max_lag_);
  std::vector<Interval> out;
  while (!pending_.empty() && pending_.begin()->first <= ready) {
    released_ = std::max(released_, pending_.begin()->first);
    out.push_back(std::move(pending_.begin()->second));
    pending_.erase(pending_.begin());
  }
  for (auto &iv : late_out_) out.push_back(std::move(iv));
  late_out_.clear();
  return out;
}

std::vector<Interval> FleetSeries::take_all() {
  std::fill(done_.begin(), done_.end(), true);
  return take_ready();
}

}  // namespace golo::agent
