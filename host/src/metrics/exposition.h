// Prometheus' text exposition format, version 0.0.4: one family at a time
// (# HELP, # TYPE, samples), label values escaped, LF line endings, and
// histograms as cumulative buckets derived from an HDR histogram at a fixed
// set of bounds.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "golo/agent/histogram.h"

namespace golo::host {

inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// The bucket bounds of every golo histogram: 1-2-5 steps from 1 us to 100 s
// (then +Inf). Each is an exact count of nanoseconds, so it can be compared
// with the HDR histogram's counters directly.
struct BucketBound {
  std::int64_t ns;
  std::string_view le;  // as the label shows it, in seconds
};
inline constexpr std::array<BucketBound, 25> kBucketBounds = {{
    {1'000, "0.000001"},      {2'000, "0.000002"},    {5'000, "0.000005"},
    {10'000, "0.00001"},      {20'000, "0.00002"},    {50'000, "0.00005"},
    {100'000, "0.0001"},      {200'000, "0.0002"},    {500'000, "0.0005"},
    {1'000'000, "0.001"},     {2'000'000, "0.002"},   {5'000'000, "0.005"},
    {10'000'000, "0.01"},     {20'000'000, "0.02"},   {50'000'000, "0.05"},
    {100'000'000, "0.1"},     {200'000'000, "0.2"},   {500'000'000, "0.5"},
    {1'000'000'000, "1"},     {2'000'000'000, "2"},   {5'000'000'000, "5"},
    {10'000'000'000, "10"},   {20'000'000'000, "20"}, {50'000'000'000, "50"},
    {100'000'000'000, "100"},
}};

// Cumulative counts at each bound, and the total of the counters (the +Inf
// bucket and _count: a histogram copied while being recorded may have a
// count() a little behind its counters). An HDR counter counts toward a
// bound when every value it stands for is at or below the bound (its
// highest value); below 2.048 us counters are 1 ns wide, above they are at
// most 1/1024 of their value, so only a value within 0.1% under a bound can
// land one bucket up.
struct Buckets {
  std::array<std::uint64_t, kBucketBounds.size()> cumulative{};
  std::uint64_t total = 0;
};
Buckets bucket_counts(const agent::Histogram &h);

using Labels = std::vector<std::pair<std::string_view, std::string>>;

// Escapes a label value: backslash, double quote and newline.
std::string escape_label_value(std::string_view v);

class Exposition {
 public:
  // Starts a family; type is counter, gauge or histogram.
  void family(std::string_view name, std::string_view type,
              std::string_view help);
  void sample(std::string_view name, const Labels &labels, std::uint64_t v);
  void sample(std::string_view name, const Labels &labels, double v);
  // name_bucket{...,le}, name_sum (seconds), name_count from h (ns).
  void histogram(std::string_view name, const Labels &labels,
                 const agent::Histogram &h);
  const std::string &text() const { return out_; }

 private:
  void series(std::string_view name, const Labels &labels,
              std::string_view extra_key = {},
              std::string_view extra_value = {});
  std::string out_;
};

}  // namespace golo::host
