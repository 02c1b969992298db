// UTF-8 for texts that came from plugins (output, tags, error messages):
// the wire's string fields and JSON must carry valid UTF-8, and a text cut
// to a length limit must not end in half a character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace golo::agent {

// True when s is well-formed UTF-8 (no overlongs, surrogates or code points
// past U+10FFFF).
bool utf8_valid(std::string_view s);

// s with each ill-formed sequence replaced by U+FFFD, one per maximal
// ill-formed subpart (Unicode's recommended practice, as WHATWG and
// Python's "replace" do).
std::string utf8_repair(std::string_view s);

// The longest prefix length <= max that does not end inside a character.
// Bytes that are not UTF-8 anyway are cut at max.
std::size_t utf8_cut(std::string_view s, std::size_t max);

// utf8_repair of utf8_cut: a text bounded and fit for JSON and the wire.
std::string utf8_bounded(std::string_view s, std::size_t max);

}  // namespace golo::agent

namespace golo::agent {

// Caller and plugin text as a log line or a terminal shows it: the one
// escaping rule for both. Control characters (C0, DEL, C1), the line and
// paragraph separators and the bidirectional overrides become \n, \t, \r,
// \xNN or \uNNNN and a backslash becomes \\, so no text can start a line of
// its own, move the cursor or restyle a terminal; ill-formed UTF-8 becomes
// U+FFFD. At most `max` bytes of the text are shown, then "..." and its
// length.
std::string printable(std::string_view s, std::size_t max = 256);

}  // namespace golo::agent
