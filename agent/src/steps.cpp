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
  agent::add_status(statuses, code, n);
}

void add_status(std::vector<std::pair<int, std::uint64_t>> &statuses, int code,
                std::uint64_t n) {
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
    for (const auto &[code, n] : step.statuses)
      add_status(mine->statuses, code, n);
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
    s.statuses = step.statuses;
    merge_steps(a, {s});
  }
}

namespace {

template <class T, class Count>
std::vector<std::string> top_names(const std::vector<T> &all, std::size_t max,
                                   Count count) {
  std::vector<const T *> order;
  for (const auto &item : all)
    if (item.name != kOtherStep) order.push_back(&item);
  std::sort(order.begin(), order.end(), [&](const T *a, const T *b) {
    return count(*a) != count(*b) ? count(*a) > count(*b) : a->name < b->name;
  });
  std::vector<std::string> keep;
  for (std::size_t i = 0; i < order.size() && i < max; ++i)
    keep.push_back(order[i]->name);
  std::sort(keep.begin(), keep.end());
  return keep;
}

template <class T, class Add>
std::size_t fold(std::vector<T> &items, const std::vector<std::string> &keep,
                 Add add) {
  T other{};
  other.name = std::string(kOtherStep);
  bool any = false;
  std::size_t folded = 0;
  std::vector<T> kept;
  for (auto &item : items) {
    if (std::binary_search(keep.begin(), keep.end(), item.name)) {
      kept.push_back(std::move(item));
      continue;
    }
    if (item.name != kOtherStep) ++folded;
    add(other, item);
    any = true;
  }
  if (any) kept.push_back(std::move(other));
  items = std::move(kept);
  return folded;
}

}  // namespace

std::vector<std::string> top_step_names(const std::vector<StepStats> &all,
                                        std::size_t max) {
  return top_names(all, max, [](const StepStats &s) { return s.count; });
}

std::vector<std::string> top_check_names(const std::vector<CheckStats> &all,
                                         std::size_t max) {
  return top_names(all, max,
                   [](const CheckStats &c) { return c.passes + c.fails; });
}

std::size_t fold_steps(std::vector<StepStats> &steps,
                       const std::vector<std::string> &keep) {
  return fold(steps, keep,
              [](StepStats &into, const StepStats &s) { into.merge(s); });
}

std::size_t fold_checks(std::vector<CheckStats> &checks,
                        const std::vector<std::string> &keep) {
  return fold(checks, keep, [](CheckStats &into, const CheckStats &c) {
    into.passes += c.passes;
    into.fails += c.fails;
  });
}

}  // namespace golo::agent
