#include "golo/wire/results.h"

#include <sstream>

namespace golo::wire {

void to_wire(const agent::RunResults &results, golo::RunUpdate &out) {
  // Streamed a row at a time (write_json repairs bad text as it goes): a
  // thousand tag sets' series built as one nlohmann tree first took more
  // memory at the run's end than the run's counters.
  std::ostringstream text;
  results.write_json(text);
  out.set_resultsjson(std::move(text).str());
}

agent::RunResults read_results(const std::string &results_json, bool series) {
  using nlohmann::json;
  if (series) return agent::RunResults::from_json(json::parse(results_json));
  // A key the callback refuses is dropped with its value, unbuilt; each tag
  // set is read as soon as its object is complete and then dropped, so
  // that hundreds of sets' histograms are never one tree.
  std::string top_key;
  std::vector<agent::TagSetStats> sets;
  json j = json::parse(
      results_json, [&](int depth, json::parse_event_t event, json &parsed) {
        if (depth == 1 && event == json::parse_event_t::key) {
          top_key = parsed.get<std::string>();
          return top_key != "series" && top_key != "tag_set_series" &&
                 top_key != "step_series";
        }
        if (depth == 2 && event == json::parse_event_t::object_end &&
            top_key == "tag_sets") {
          sets.push_back(agent::RunResults::tag_set_from_json(parsed));
          return false;
        }
        return true;
      });
  if (j.is_object()) j["series"] = json::array();
  agent::RunResults r = agent::RunResults::from_json(j);
  r.tag_sets = std::move(sets);
  return r;
}

}  // namespace golo::wire
