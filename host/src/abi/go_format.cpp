#include "abi/go_format.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace golo::host {

std::string go_format_int(std::int64_t v) { return std::to_string(v); }

std::string go_format_uint(std::uint64_t v) { return std::to_string(v); }

std::string go_format_bool(bool v) { return v ? "true" : "false"; }

std::string go_format_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Shortest digits that round-trip, as strconv.FormatFloat(v, 'g', -1, 64)
  // finds them; to_chars in scientific form gives exactly those digits.
  char buf[64];
  auto res =
      std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  const auto e_pos = sci.find('e');
  std::string_view mant = sci.substr(0, e_pos);
  const int exp = std::atoi(std::string(sci.substr(e_pos + 1)).c_str());
  const bool negative = !mant.empty() && mant.front() == '-';
  if (negative) mant.remove_prefix(1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits.push_back(c);

  std::string out = negative ? "-" : "";
  // Go's %v is strconv's 'g' with shortest precision, which switches to the
  // exponent form when exp < -4 || exp >= 6 (a fixed 6, not the digit count:
  // 1e+06, but 123456 and 0.0001).
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += 'e';
    out += exp < 0 ? '-' : '+';
    const int a = std::abs(exp);
    if (a < 10) out += '0';
    out += std::to_string(a);
    return out;
  }
  if (exp < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exp - 1), '0');
    out += digits;
    return out;
  }
  const auto int_len = static_cast<std::size_t>(exp) + 1;
  if (digits.size() <= int_len) {
    out += digits;
    out.append(int_len - digits.size(), '0');
  } else {
    out.append(digits, 0, int_len);
    out += '.';
    out.append(digits, int_len);
  }
  return out;
}

}  // namespace golo::host
