// Did-you-mean for what a schedule names: its keys, the model (k6's
// executors) and threshold metrics. The nearest valid name by edit
// distance, or k6's spelling mapped to golo's (vus -> users, p(95) -> p95,
// avg -> mean, http_req_duration -> a latency metric).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace golo::agent::detail {

// "; did you mean users? (k6's vus)" or "" for an unknown key of a mapping
// whose keys are `allowed`; `value` is the key's value when a plain word
// (an executor's name says which model was meant).
std::string key_hint(const std::string &key,
                     const std::vector<std::string> &allowed,
                     const std::string &value);

// The same for an unknown threshold metric: `name` as read, `rest` the
// text after it ("(95) < 200ms" for k6's p(95)).
std::string metric_hint(std::string_view name, std::string_view rest,
                        const std::vector<std::string> &metrics);

}  // namespace golo::agent::detail
