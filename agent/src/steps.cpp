#include "golo/agent/steps.h"

#include <algorithm>

namespace golo::agent {

namespace {

template <class T>
T *by_name(std::vector<T> &items, const std::string &name) {
  for (auto &item : items)
    if (item.name == name) return &item;
  return nullptr;
}

}  // namespace

double StepStats::error_rate() const {
  return count ? static_cast<double>(errors) / static_cast<double>(count) : 0.0;
}

void StepStats::add_status(int code, std::uint64_t n) {
  auto it = std::lower_bound(statuses.begin(), statuses.end(), code,
                             [](const std::pair<int, std::uint64_t> &s, int c) {
                               return s.first < c;
                             });
  if (it != statuses.end() && it->first == code)
    it->second += n;
  else
    statuses.insert(it, {code, n});
}

void StepStats::merge(const StepStats &other) {
  count += other.count;
  errors += other.errors;
  latency.merge(other.latency);
  for (const auto &[code, n] : other.statuses) add_status(code, n);
}

double CheckStats::pass_rate() const {
  const std::uint64_t all = passes + fails;
  return all ? static_cast<double>(passes) / static_cast<double>(all) : 0.0;
}

void merge_steps(std::vector<StepStats> &a, const std::vector<StepStats> &b) {
  for (const auto &step : b)
    if (auto *mine = by_name(a, step.name))
      mine->merge(step);
    else
      a.push_back(step);
}

void merge_checks(std::vector<CheckStats> &a,
                  const std::vector<CheckStats> &b) {
  for (const auto &check : b)
    if (auto *mine = by_name(a, check.name)) {
      mine->passes += check.passes;
      mine->fails += check.fails;
    } else {
      a.push_back(check);
    }
}

void merge_step_intervals(std::vector<StepInterval> &a,
                          const std::vector<StepInterval> &b) {
  for (const auto &step : b) {
    auto *mine = by_name(a, step.name);
    if (!mine) {
      a.push_back(step);
      continue;
    }
    mine->count += step.count;
    mine->errors += step.errors;
    // Once a second per step name: the round trip costs nothing that shows.
    Histogram sum = Histogram::from_sparse(mine->latency);
    sum.merge(Histogram::from_sparse(step.latency));
    mine->latency = sum.to_sparse();
  }
}

void add_step_intervals(std::vector<StepStats> &a,
                        const std::vector<StepInterval> &b) {
  for (const auto &step : b) {
    StepStats s;
    s.name = step.name;
    s.count = step.count;
    s.errors = step.errors;
    s.latency = Histogram::from_sparse(step.latency);
    merge_steps(a, {s});
  }
}

}  // namespace golo::agent
