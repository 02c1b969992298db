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

agent::RunResults read_results(const std::string &results_json) {
  return agent::RunResults::from_json(nlohmann::json::parse(results_json));
}

}  // namespace golo::wire
