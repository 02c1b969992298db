// Steps and checks (ABI 1.1): what one iteration reports of its parts (named,
// timed sub-requests the plugin measured itself) and of its checks (named
// pass/fail verdicts, as k6's check()), and what a run makes of them: per
// name, a latency histogram, counts and rates, merged exactly across hosts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "golo/agent/histogram.h"

namespace golo::agent {

// Distinct step names a run's results name (and, apart, check names);
// GOLO_MAX_STEP_NAMES. Applied once, to the merged results
// (RunResults::cap_steps): the names with the most calls across the fleet
// are kept, the others counted together as kOtherStep.
inline constexpr std::size_t kMaxStepNames = 64;
// Distinct names each host tells apart, so that the merged results can pick
// theirs by the whole run's counts; past it a host drops (and counts) them.
inline constexpr std::size_t kMaxHostStepNames = 4 * kMaxStepNames;
// The step (and check) that counts the names past kMaxStepNames.
inline constexpr std::string_view kOtherStep = "_other";

// One step of one iteration.
struct StepOutcome {
  std::string name;
  std::int64_t duration_ns = 0;
  bool failed = false;
  int status = 0;  // an HTTP request's status (host->http); 0: none
};

// One check of one iteration.
struct CheckOutcome {
  std::string name;
  bool passed = false;
};

// A list whose items (and their strings' buffers) are kept across clear(),
// so a plugin adding the same steps each iteration stops allocating after
// its first, as TagList does for tags.
template <class T>
class ReuseList {
 public:
  void clear() { size_ = 0; }
  // A new last item, holding whatever a previous use left: assign every
  // member.
  T &add() {
    if (size_ == items_.size()) items_.emplace_back();
    return items_[size_++];
  }
  T &back() { return items_[size_ - 1]; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T &operator[](std::size_t i) const { return items_[i]; }
  const T *begin() const { return items_.data(); }
  const T *end() const { return items_.data() + size_; }

 private:
  std::vector<T> items_;  // [0, size_) in use; the rest kept for reuse
  std::size_t size_ = 0;
};
using StepList = ReuseList<StepOutcome>;
using CheckList = ReuseList<CheckOutcome>;

// One step name's statistics in a tag set (or the total).
struct StepStats {
  std::string name;
  std::uint64_t count = 0;   // times the step ran
  std::uint64_t errors = 0;  // of those, failed
  Histogram latency;         // ns
  // HTTP status codes (host->http's requests) and how often each came,
  // by code.
  std::vector<std::pair<int, std::uint64_t>> statuses;
  void add_status(int code, std::uint64_t n);
  double error_rate() const;
  void merge(const StepStats &other);
};

// One check name's counts.
struct CheckStats {
  std::string name;
  std::uint64_t passes = 0, fails = 0;
  double pass_rate() const;  // passes / (passes + fails), 0..1
  bool operator==(const CheckStats &) const = default;
};

// One step name's part of a progress interval.
struct StepInterval {
  std::string name;
  std::uint64_t count = 0, errors = 0;
  Histogram::Sparse latency;  // ns counters of the interval
  // HTTP status codes in the interval, by code (as StepStats::statuses).
  std::vector<std::pair<int, std::uint64_t>> statuses{};
};
// Adds n of `code` to a list of status counts kept sorted by code.
void add_status(std::vector<std::pair<int, std::uint64_t>> &statuses, int code,
                std::uint64_t n);

// Merges b into a by name: a name already in a adds up, a new one is
// appended, so the order stays the order the names first ran in (a journey
// reads login, browse, checkout, not alphabetically).
void merge_steps(std::vector<StepStats> &a, const std::vector<StepStats> &b);
void merge_checks(std::vector<CheckStats> &a, const std::vector<CheckStats> &b);
void merge_step_intervals(std::vector<StepInterval> &a,
                          const std::vector<StepInterval> &b);
// Adds an interval's steps into whole-run statistics (a lost host's
// progress standing in for its results).
void add_step_intervals(std::vector<StepStats> &a,
                        const std::vector<StepInterval> &b);
// Of `all` (a run's total), the names kept under a cap of `max`: the most
// counted (ties by name), never kOtherStep itself.
std::vector<std::string> top_step_names(const std::vector<StepStats> &all,
                                        std::size_t max);
std::vector<std::string> top_check_names(const std::vector<CheckStats> &all,
                                         std::size_t max);
// Folds every step (check) whose name is not in `keep` (sorted) into one
// named kOtherStep at the end; the others keep their order. Returns how
// many names were folded (kOtherStep itself not counted).
std::size_t fold_steps(std::vector<StepStats> &steps,
                       const std::vector<std::string> &keep);
std::size_t fold_checks(std::vector<CheckStats> &checks,
                        const std::vector<std::string> &keep);

}  // namespace golo::agent
