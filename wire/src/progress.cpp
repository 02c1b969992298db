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
  }
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
    out.tag_sets.push_back(std::move(set));
  }
  std::sort(out.tag_sets.begin(), out.tag_sets.end(),
            [](const auto &a, const auto &b) { return a.key < b.key; });
  return out;
}

}  // namespace golo::wire
