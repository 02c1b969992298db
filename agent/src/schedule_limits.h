// What a schedule may hold, and the checks on its raw text, so that what a
// schedule costs to parse and to run stays proportional to its text (a host
// parses a caller's schedule before anything else).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "golo/agent/schedule.h"

namespace golo::agent::detail {

inline constexpr std::uint64_t kMaxUsers = 100'000;  // one thread each
inline constexpr std::uint64_t kMaxRate = 10'000'000;
inline constexpr std::size_t kMaxScenarios = 256;
inline constexpr std::size_t kMaxThresholds = 256;
inline constexpr std::size_t kMaxStages = 1000;
inline constexpr std::size_t kMaxTagKeys = 64;
inline constexpr std::size_t kMaxDataColumns = 1024;
// Lines, ',', ':', '[', '{' and '-' in a schedule's text (a bound on its
// YAML nodes).
inline constexpr std::size_t kMaxYamlSeparators = 20000;
// One limit for every duration, whatever its unit: 100 days.
inline constexpr Nanos kMaxDuration = std::chrono::hours(24 * 100);
// Caller text quoted in a message is cut to this.
inline constexpr std::size_t kMaxEcho = 64;

// Throws std::invalid_argument, naming file, for a text over
// kMaxScheduleBytes or with more than kMaxYamlSeparators separators.
void check_schedule_text(std::string_view yaml, std::string_view file);

// `text` as a message quotes it: at most kMaxEcho characters, control
// characters as '?'.
std::string echo(std::string_view text);

// Whole numbers in decimal only: YAML would also take 0x10 and 0o20.
bool decimal(const std::string &s);

}  // namespace golo::agent::detail
