#include "golo/wire/progress.h"

#include <algorithm>

#include "golo/wire/text.h"

namespace golo::wire {

namespace {

void add_buckets(const agent::Histogram::Sparse &from,
                 google::protobuf::RepeatedField<std::uint32_t> &index,
                 google::protobuf::RepeatedField<std::uint64_t> &count) {
  for (const auto &[i, n] : from) {
    index.Add(i);
    count.Add(n);
  }
}

agent::Histogram::Sparse read_buckets(
    const google::protobuf::RepeatedField<std::uint32_t> &index,
    const google::protobuf::RepeatedField<std::uint64_t> &count) {
  agent::Histogram::Sparse out;
  if (index.size() != count.size()) return out;
  for (int i = 0; i < index.size(); ++i)
    if (index[i] < agent::HistogramLayout::kCountsLen && count[i] > 0)
      out.emplace_back(index[i], count[i]);
  std::sort(out.begin(), out.end());
  return out;
}

// A tag set's steps and checks of an interval (TagSetInterval 20-21).
void add_step_intervals(const agent::TagSetInterval &set,
                        golo::TagSetInterval &out) {
  for (const auto &s : set.steps) {
    auto *step = out.add_steps();
    step->set_name(text(s.name));
    step->set_count(s.count);
    step->set_errors(s.errors);
    add_buckets(s.latency, *step->mutable_bucketindex(),
                *step->mutable_bucketcount());
    for (const auto &[code, n] : s.statuses) {
      auto *status = step->add_statuses();
      status->set_code(code);
      status->set_count(n);
    }
  }
  for (const auto &c : set.checks) {
    auto *check = out.add_checks();
    check->set_name(text(c.name));
    check->set_passes(c.passes);
    check->set_fails(c.fails);
  }
}

void read_step_intervals(const golo::TagSetInterval &wire,
                         agent::TagSetInterval &set) {
  for (const auto &s : wire.steps()) {
    agent::StepInterval step;
    step.name = s.name();
    step.errors = s.errors();
    step.latency = read_buckets(s.bucketindex(), s.bucketcount());
    // The count is the histogram's, so the two always agree. (An error may
    // come an interval after its step's count, so errors are not capped.)
    for (const auto &[index, n] : step.latency) step.count += n;
    // Codes as the results take them (0 to 999); another is a bad host's
    // and dropped, as its bad buckets are.
    for (const auto &st : s.statuses())
      if (st.code() >= 0 && st.code() <= 999 && st.count() > 0)
        agent::add_status(step.statuses, st.code(), st.count());
    set.steps.push_back(std::move(step));
  }
  for (const auto &c : wire.checks())
    set.checks.push_back({c.name(), c.passes(), c.fails()});
}

}  // namespace

void to_wire(const agent::Progress &p, golo::Progress &out) {
  out.set_elapsedseconds(p.elapsed_s);
  out.set_activeusers(static_cast<std::uint32_t>(p.active_users));
  out.set_iterations(p.iterations);
  out.set_errors(p.errors);
  out.set_dropped(p.dropped);
  out.set_iterationspersecond(p.interval_rate);
  out.set_p50micros(p.p50_us);
  out.set_p95micros(p.p95_us);
  out.set_p99micros(p.p99_us);
  add_buckets(p.interval, *out.mutable_intervalbucketindex(),
              *out.mutable_intervalbucketcount());
  // The closed model's missed slots and latencies from the intended start.
  out.set_missed(p.missed);
  add_buckets(p.interval_corrected, *out.mutable_intervalcorrectedbucketindex(),
              *out.mutable_intervalcorrectedbucketcount());
  for (const auto &set : p.tag_sets) {
    auto *wire = out.add_tagsetintervals();
    wire->set_key(text(set.key));
    add_tags(*wire->mutable_tags(), set.tags);
    wire->set_iterations(set.iterations);
    wire->set_errors(set.errors);
    wire->set_missed(set.missed);
    add_buckets(set.latency, *wire->mutable_bucketindex(),
                *wire->mutable_bucketcount());
    add_buckets(set.corrected, *wire->mutable_correctedbucketindex(),
                *wire->mutable_correctedbucketcount());
    add_step_intervals(set, *wire);
  }
  out.set_stepsdropped(p.steps_dropped);
  out.set_checksdropped(p.checks_dropped);
}

agent::Progress from_wire(const golo::Progress &p) {
  agent::Progress out;
  out.elapsed_s = p.elapsedseconds();
  out.active_users = p.activeusers();
  out.iterations = p.iterations();
  out.errors = p.errors();
  out.dropped = p.dropped();
  out.interval_rate = p.iterationspersecond();
  out.p50_us = p.p50micros();
  out.p95_us = p.p95micros();
  out.p99_us = p.p99micros();
  out.interval = read_buckets(p.intervalbucketindex(), p.intervalbucketcount());
  out.missed = p.missed();
  out.interval_corrected = read_buckets(p.intervalcorrectedbucketindex(),
                                        p.intervalcorrectedbucketcount());
  for (const auto &wire : p.tagsetintervals()) {
    agent::TagSetInterval set;
    set.key = wire.key();
    for (const auto &t : wire.tags()) set.tags.emplace_back(t.key(), t.value());
    set.iterations = wire.iterations();
    set.errors = wire.errors();
    set.missed = wire.missed();
    set.latency = read_buckets(wire.bucketindex(), wire.bucketcount());
    set.corrected =
        read_buckets(wire.correctedbucketindex(), wire.correctedbucketcount());
    read_step_intervals(wire, set);
    out.tag_sets.push_back(std::move(set));
  }
  std::sort(out.tag_sets.begin(), out.tag_sets.end(),
            [](const auto &a, const auto &b) { return a.key < b.key; });
  out.steps_dropped = p.stepsdropped();
  out.checks_dropped = p.checksdropped();
  return out;
}

}  // namespace golo::wire
