#include "golo/wire/results.h"

namespace golo::wire {

void to_wire(const agent::RunResults &results, golo::RunUpdate &out) {
  // replace: a tag or text that slipped through unrepaired must not make
  // the results unwritable.
  out.set_resultsjson(results.to_json().dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace));
}

agent::RunResults read_results(const std::string &results_json) {
  return agent::RunResults::from_json(nlohmann::json::parse(results_json));
}

}  // namespace golo::wire
