// Text from a results file placed into HTML: every string there (tag
// values, error texts, host names, the schedule's file name) is data, never
// markup or script.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace golo::cli::report {

// For element text and quoted attribute values: & < > " ' as entities.
std::string html_escape(std::string_view text);

// JSON for a <script type="application/json"> block: < > & and the line
// separators U+2028/2029 as \u escapes, so no "</script>" or "<!--" can end
// or change the block, whatever the strings hold. Invalid UTF-8 is
// replaced (U+FFFD) rather than refused.
std::string script_json(const nlohmann::json &j);

}  // namespace golo::cli::report
