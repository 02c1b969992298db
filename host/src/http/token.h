// RFC 9110's token characters (a method, a header name), by table: a
// strchr over the separators per character was ~1% of the loop at 1,000
// connections (every header name of every answer is checked).
#pragma once

#include <array>
#include <string_view>

namespace golo::host::http {

inline constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> t{};
  for (int c = '!'; c < 0x7f; ++c) t[static_cast<std::size_t>(c)] = true;
  for (const char c : std::string_view("\"(),/:;<=>?@[\\]{}"))
    t[static_cast<unsigned char>(c)] = false;
  return t;
}();

inline bool is_token_char(char c) {
  return kTokenChars[static_cast<unsigned char>(c)];
}

}  // namespace golo::host::http
