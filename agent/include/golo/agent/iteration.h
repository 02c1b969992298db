// The one interface through which the agent runs iterations: a call into a
// plugin loaded in this process, or a Job.Trigger RPC to a remote server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "golo/agent/steps.h"

namespace golo::agent {

// Tags in order, as (key, value) strings. clear() keeps every string's
// buffer, so a user that sets the same tags each iteration (a URL, say)
// stops allocating after its first: the hot path copies into them.
class TagList {
 public:
  using Tag = std::pair<std::string, std::string>;

  void clear() { size_ = 0; }
  void add(std::string_view key, std::string_view value) {
    if (size_ == items_.size()) items_.emplace_back();
    items_[size_].first.assign(key);
    items_[size_].second.assign(value);
    ++size_;
  }
  // The first tag called `key` gets `value`; without one, it is added.
  void set(std::string_view key, std::string_view value) {
    for (std::size_t i = 0; i < size_; ++i)
      if (items_[i].first == key) {
        items_[i].second.assign(value);
        return;
      }
    add(key, value);
  }
  template <class It>
  void assign(It first, It last) {
    clear();
    for (; first != last; ++first) add(first->first, first->second);
  }
  void assign(
      std::initializer_list<std::pair<std::string_view, std::string_view>>
          tags) {
    assign(tags.begin(), tags.end());
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Tag &operator[](std::size_t i) const { return items_[i]; }
  const Tag &back() const { return items_[size_ - 1]; }
  const Tag *begin() const { return items_.data(); }
  const Tag *end() const { return items_.data() + size_; }

 private:
  std::vector<Tag> items_;  // [0, size_) in use; the rest kept for reuse
  std::size_t size_ = 0;
};

// What one iteration produced. The executor reuses one object per user and
// clears it before each call, so implementations only set what happened,
// assigning into the members (keeping their capacity) rather than
// allocating new ones.
struct IterationOutcome {
  // The trigger itself failed (non-zero return / RPC error): counted as error.
  bool failed = false;
  // The trigger succeeded but flagged the test as failed (Response.error).
  bool error_flag = false;
  // The failure message or the output of an errored iteration, kept as a
  // sample; left empty on success to avoid copying output on the hot path.
  std::string error_text;
  // Response tags in order, which pick the per-tag-set statistics.
  TagList tags;
  // Steps and checks the iteration reported (ABI 1.1), and how many it
  // tried to report that were dropped (bad input, or past the limits).
  StepList steps;
  CheckList checks;
  std::uint32_t steps_dropped = 0, checks_dropped = 0;

  void clear() {
    failed = false;
    error_flag = false;
    error_text.clear();
    tags.clear();
    steps.clear();
    checks.clear();
    steps_dropped = checks_dropped = 0;
  }
};

class IterationRunner {
 public:
  virtual ~IterationRunner() = default;
  // Runs one iteration for virtual user `user` (0-based), its `iteration`
  // (0-based count over the run). Called from many threads at once; must be
  // thread-safe. Blocks until the iteration ends.
  virtual void run(std::uint32_t user, std::uint64_t iteration,
                   IterationOutcome &out) = 0;
  // The run is ending (its schedule's end or a stop): iterations in flight
  // should finish soon (a plugin's think time returns early). Called from
  // any thread, maybe more than once.
  virtual void stopping() {}
};

}  // namespace golo::agent
