// Durations as schedules and thresholds write them: Go's time.ParseDuration
// syntax ("250ms", "1m30s", "1.5h", "500us"), and a short human form back.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace golo::agent {

// Parses a Go duration string. On failure returns nullopt and, when `why` is
// given, says what is wrong. Negative durations are refused.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text,
                                                       std::string *why);

// "812ns", "12.3us", "312.4ms", "1.25s", "2m5s": the unit that keeps the
// number short, one decimal below a second.
std::string format_duration(double ns);

}  // namespace golo::agent
