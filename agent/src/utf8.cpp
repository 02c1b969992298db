#include "golo/agent/utf8.h"

#include <cstdio>

namespace golo::agent {
namespace {

// Length of the well-formed sequence at s[i], or 0 with bad set to the
// length of its maximal ill-formed subpart (at least 1).
std::size_t sequence(std::string_view s, std::size_t i, std::size_t &bad) {
  const auto b = [&](std::size_t k) {
    return static_cast<unsigned char>(s[i + k]);
  };
  const unsigned char c = b(0);
  bad = 1;
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the second byte's range
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;  // no overlongs
    if (c == 0xed) hi = 0x9f;  // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;  // no overlongs
    if (c == 0xf4) hi = 0x8f;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= s.size()) return 0;
    const unsigned char x = b(k);
    if (k == 1 ? (x < lo || x > hi) : (x < 0x80 || x > 0xbf)) return 0;
    bad = k + 1;
  }
  return len;
}

}  // namespace

bool utf8_valid(std::string_view s) {
  for (std::size_t i = 0, bad = 0; i < s.size();) {
    // ASCII runs are the common case: skip them a byte at a time, cheaply.
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = sequence(s, i, bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string utf8_repair(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0, bad = 0; i < s.size();) {
    const std::size_t n = sequence(s, i, bad);
    if (n) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xef\xbf\xbd";  // U+FFFD
      i += bad;
    }
  }
  return out;
}

std::size_t utf8_cut(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s.size();
  // Cutting before s[max]: if that is a continuation byte, back up to the
  // lead byte of its character (at most 3 bytes back).
  std::size_t n = max;
  for (int k = 0;
       k < 3 && n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80; ++k)
    --n;
  if ((static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) return max;
  // s[n] must really lead a sequence that spans the cut; otherwise the
  // bytes were not UTF-8 and max is as good a place as any.
  std::size_t bad = 0;
  return n < max && sequence(s, n, bad) > max - n ? n : max;
}

std::string utf8_bounded(std::string_view s, std::size_t max) {
  s = s.substr(0, utf8_cut(s, max));
  return utf8_valid(s) ? std::string(s) : utf8_repair(s);
}

}  // namespace golo::agent

namespace golo::agent {

namespace {

// True for code points a terminal acts on rather than shows.
bool unsafe(char32_t c) {
  return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 ||
         c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
         (c >= 0x2066 && c <= 0x2069);
}

void escape(char32_t c, std::string &out) {
  char buf[12];
  switch (c) {
    case '\n':
      out += "\\n";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      break;
  }
  std::snprintf(buf, sizeof buf, c < 0x80 ? "\\x%02x" : "\\u%04x",
                static_cast<unsigned>(c));
  out += buf;
}

}  // namespace

std::string printable(std::string_view s, std::size_t max) {
  const std::size_t shown = utf8_cut(s, max);
  const std::string text = utf8_repair(s.substr(0, shown));
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    const std::size_t n = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    char32_t c = n == 1 ? b : b & (0x7f >> n);
    for (std::size_t k = 1; k < n; ++k)
      c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    if (c == '\\')
      out += "\\\\";
    else if (unsafe(c))
      escape(c, out);
    else
      out.append(text, i, n);
    i += n;
  }
  if (shown < s.size()) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

}  // namespace golo::agent
