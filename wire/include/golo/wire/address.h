// Where golo-host listens and golo connects when not told otherwise:
// go-lo's own default, kept so that go-lo's clients need no flag.
#pragma once

namespace golo::wire {

inline constexpr const char *kDefaultHostAddress = "127.0.0.1:9999";

}  // namespace golo::wire
