// The results document with its series: as one tree (to_json, for readers
// that want it whole) or streamed (write_json, for files), where a
// 1-hour run's rows would otherwise be built as one nlohmann tree and then
// one string, several times the memory the run itself needed.
#include "golo/agent/results.h"

#include <ostream>

namespace golo::agent {

namespace {
using nlohmann::json;

constexpr auto kReplace = json::error_handler_t::replace;

// Plain values, or an array of them (a bucket pair).
bool flat(const json &j) {
  if (!j.is_structured()) return true;
  if (!j.is_array()) return false;
  for (const auto &e : j)
    if (e.is_structured()) return false;
  return true;
}

// An object or array whose members are all flat: one line.
bool one_line(const json &j) {
  for (const auto &e : j)
    if (!flat(e)) return false;
  return true;
}

void indent(std::ostream &out, int depth) {
  for (int i = 0; i < depth; ++i) out << "  ";
}

void write_value(std::ostream &out, const json &j, int depth) {
  if (!j.is_structured() || j.empty() || one_line(j)) {
    // replace: a tag or text that slipped through unrepaired must not make
    // the results unwritable.
    out << j.dump(-1, ' ', false, kReplace);
    return;
  }
  const bool object = j.is_object();
  out << (object ? "{\n" : "[\n");
  bool first = true;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!first) out << ",\n";
    first = false;
    indent(out, depth + 1);
    if (object) out << json(it.key()).dump(-1, ' ', false, kReplace) << ": ";
    write_value(out, *it, depth + 1);
  }
  out << "\n";
  indent(out, depth);
  out << (object ? "}" : "]");
}

template <class Rows>
void write_rows(std::ostream &out, const Rows &rows, std::int64_t start,
                bool total, int depth) {
  if (rows.empty()) {
    out << "[]";
    return;
  }
  out << "[\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    indent(out, depth + 1);
    out << RunResults::row_json(rows[i], start, total)
               .dump(-1, ' ', false, kReplace)
        << (i + 1 < rows.size() ? ",\n" : "\n");
  }
  indent(out, depth);
  out << "]";
}

// As write_value would write them as one array of objects.
void write_sets(std::ostream &out, const RunResults &r, int depth) {
  if (r.tag_sets.empty()) {
    out << "[]";
    return;
  }
  out << "[\n";
  for (std::size_t i = 0; i < r.tag_sets.size(); ++i) {
    indent(out, depth + 1);
    write_value(out, r.tag_set_json(r.tag_sets[i]), depth + 1);
    out << (i + 1 < r.tag_sets.size() ? ",\n" : "\n");
  }
  indent(out, depth);
  out << "]";
}

json tags_json(const std::vector<std::pair<std::string, std::string>> &tags) {
  json out = json::object();
  for (const auto &[k, v] : tags) out[k] = v;
  return out;
}

}  // namespace

json RunResults::to_json() const {
  json out = head_json();
  json seconds = json::array();
  for (const auto &s : series)
    seconds.push_back(row_json(s, start_unix_ms, true));
  json per_set = json::array();
  for (const auto &set : tag_set_series) {
    json rows = json::array();
    for (const auto &s : set.rows)
      rows.push_back(row_json(s, start_unix_ms, false));
    per_set.push_back(
        {{"key", set.key}, {"tags", tags_json(set.tags)}, {"series", rows}});
  }
  json per_step = json::array();
  for (const auto &step : step_series) {
    json rows = json::array();
    for (const auto &s : step.rows)
      rows.push_back(row_json(s, start_unix_ms, false));
    per_step.push_back({{"name", step.name}, {"series", rows}});
  }
  out["series"] = std::move(seconds);
  out["tag_set_series"] = std::move(per_set);
  out["step_series"] = std::move(per_step);
  return out;
}

void RunResults::write_json(std::ostream &out, const json &extra) const {
  // The tag sets are built one at a time as they are written: as one tree,
  // a few hundred sets' histograms took several times the run's memory.
  json head = head_json(false);
  for (auto it = extra.begin(); it != extra.end(); ++it) head[it.key()] = *it;
  out << "{\n";
  for (auto it = head.begin(); it != head.end(); ++it) {
    indent(out, 1);
    out << json(it.key()).dump() << ": ";
    if (it.key() == "tag_sets" && !extra.contains("tag_sets"))
      write_sets(out, *this, 1);
    else
      write_value(out, *it, 1);
    out << ",\n";
  }
  indent(out, 1);
  out << "\"series\": ";
  write_rows(out, series, start_unix_ms, true, 1);
  out << ",\n";
  indent(out, 1);
  out << "\"tag_set_series\": [";
  for (std::size_t i = 0; i < tag_set_series.size(); ++i) {
    const auto &set = tag_set_series[i];
    out << (i ? ",\n" : "\n");
    indent(out, 2);
    out << "{\"key\": " << json(set.key).dump(-1, ' ', false, kReplace)
        << ", \"tags\": " << tags_json(set.tags).dump(-1, ' ', false, kReplace)
        << ", \"series\": ";
    write_rows(out, set.rows, start_unix_ms, false, 2);
    out << "}";
  }
  if (!tag_set_series.empty()) {
    out << "\n";
    indent(out, 1);
  }
  out << "],\n";
  indent(out, 1);
  out << "\"step_series\": [";
  for (std::size_t i = 0; i < step_series.size(); ++i) {
    const auto &step = step_series[i];
    out << (i ? ",\n" : "\n");
    indent(out, 2);
    out << "{\"name\": " << json(step.name).dump(-1, ' ', false, kReplace)
        << ", \"series\": ";
    write_rows(out, step.rows, start_unix_ms, false, 2);
    out << "}";
  }
  if (!step_series.empty()) {
    out << "\n";
    indent(out, 1);
  }
  out << "]\n}\n";
}

}  // namespace golo::agent
