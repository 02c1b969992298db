// Which go-lo a Job.Trigger reply is laid out for. The seed go-lo's godoc
// puts output at 4 and tags at 5 (golo::Response); every go-lo revision
// that builds today puts duration at 4, output at 5 and tags at 6
// (golo::ResponseCurrentLayout). golo-host answers in one by default
// (--go-lo-layout) and a caller may ask for one per call with the request
// metadata kLayoutMetadataKey: golo's own clients always ask for the seed
// layout, so they read a host in either layout.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace golo::wire {

enum class GoLoLayout { kSeed, kCurrent };

// The request metadata a caller names its layout with ("seed", "current").
inline constexpr const char *kLayoutMetadataKey = "golo-layout";

// "seed", "current".
const char *layout_name(GoLoLayout layout);

// The layout named text, exactly; nullopt for anything else.
std::optional<GoLoLayout> parse_layout(std::string_view text);

// Why text names no layout, for a flag's error: "--go-lo-layout: unknown
// value "curent"; did you mean current? (seed, current)".
std::string unknown_layout_error(std::string_view flag, std::string_view text);

}  // namespace golo::wire
