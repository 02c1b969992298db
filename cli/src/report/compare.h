// golo report A.json B.json --compare: two runs side by side, for the
// question "did this change make it faster?": per tag set present in
// either (the total first), A, B and B - A of the rate, iterations,
// errors, error %, and latency p50/p95/p99 (all in ms: one unit).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace golo::cli::report {

// The comparison as text. Throws std::invalid_argument naming the run
// ("results 2: ...") when one is not golo results.
std::string compare_runs(const nlohmann::json &a, const nlohmann::json &b,
                         const std::string &name_a, const std::string &name_b);

}  // namespace golo::cli::report
