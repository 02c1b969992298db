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
  // A key the callback refuses is dropped with its value, unbuilt.
  json j = json::parse(
      results_json, [](int depth, json::parse_event_t event, json &parsed) {
        return !(depth == 1 && event == json::parse_event_t::key &&
                 (parsed == "series" || parsed == "tag_set_series"));
      });
  if (j.is_object()) j["series"] = json::array();
  return agent::RunResults::from_json(j);
}

}  // namespace golo::wire
