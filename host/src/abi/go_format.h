// Formatting of tag values exactly as Go's fmt "%v" prints them, so tags read
// the same as those of go-lo's Tagify.
#pragma once

#include <cstdint>
#include <string>

namespace golo::host {

std::string go_format_int(std::int64_t v);
std::string go_format_uint(std::uint64_t v);
// Go's %v of a float64: the shortest round-trip digits, in exponent form when
// the decimal exponent is < -4 or >= 6; "+Inf", "-Inf", "NaN".
std::string go_format_float(double v);
std::string go_format_bool(bool v);

}  // namespace golo::host
