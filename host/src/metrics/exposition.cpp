#include "metrics/exposition.h"

#include <charconv>

namespace golo::host {

Buckets bucket_counts(const agent::Histogram &h) {
  Buckets out;
  std::size_t b = 0;
  std::uint64_t below = 0;  // counted so far, all at or below bound b
  for (const auto &[index, count] : h.to_sparse()) {
    const std::int64_t highest = agent::HistogramLayout::highest_at(index);
    while (b < kBucketBounds.size() && highest > kBucketBounds[b].ns)
      out.cumulative[b++] = below;
    below += count;
  }
  while (b < kBucketBounds.size()) out.cumulative[b++] = below;
  out.total = below;
  return out;
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void Exposition::family(std::string_view name, std::string_view type,
                        std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;  // our own text: no backslash or newline to escape
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void Exposition::series(std::string_view name, const Labels &labels,
                        std::string_view extra_key,
                        std::string_view extra_value) {
  out_ += name;
  if (labels.empty() && extra_key.empty()) return;
  out_ += '{';
  bool first = true;
  const auto add = [&](std::string_view k, std::string_view v) {
    if (!first) out_ += ',';
    first = false;
    out_ += k;
    out_ += "=\"";
    out_ += escape_label_value(v);
    out_ += '"';
  };
  for (const auto &[k, v] : labels) add(k, v);
  if (!extra_key.empty()) add(extra_key, extra_value);
  out_ += '}';
}

void Exposition::sample(std::string_view name, const Labels &labels,
                        std::uint64_t v) {
  series(name, labels);
  out_ += ' ';
  out_ += std::to_string(v);
  out_ += '\n';
}

void Exposition::sample(std::string_view name, const Labels &labels, double v) {
  series(name, labels);
  char buf[64];
  // Shortest text that reads back as the same double.
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_ += ' ';
  out_.append(buf, r.ptr);
  out_ += '\n';
}

void Exposition::histogram(std::string_view name, const Labels &labels,
                           const agent::Histogram &h) {
  const std::string base(name);
  const Buckets b = bucket_counts(h);
  for (std::size_t i = 0; i < kBucketBounds.size(); ++i) {
    series(base + "_bucket", labels, "le", kBucketBounds[i].le);
    out_ += ' ' + std::to_string(b.cumulative[i]) + '\n';
  }
  series(base + "_bucket", labels, "le", "+Inf");
  out_ += ' ' + std::to_string(b.total) + '\n';
  sample(base + "_sum", labels, static_cast<double>(h.sum()) / 1e9);
  sample(base + "_count", labels, b.total);
}

}  // namespace golo::host
