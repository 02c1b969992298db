#include <cctype>

#include "csv_output.h"
#include "html_output.h"
#include "influxdb_output.h"
#include "json_output.h"
#include "output.h"

namespace golo::cli::outputs {

namespace {

const char *const kExpected =
    "expected TYPE=TARGET: json=FILE, csv=FILE, html=FILE or "
    "influxdb=http://HOST:PORT/DB (a bare FILE is json=FILE)";

std::string ordinal(std::size_t n) {
  const char *suffix = (n % 100 >= 11 && n % 100 <= 13) ? "th"
                       : n % 10 == 1                    ? "st"
                       : n % 10 == 2                    ? "nd"
                       : n % 10 == 3                    ? "rd"
                                                        : "th";
  return std::to_string(n) + suffix;
}

// A word of lowercase letters, digits, '-' or '_': what a TYPE looks like.
// Anything else before '=' ("./a=b.json") is part of a file name.
bool looks_like_type(const std::string &s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!std::islower(c) && !std::isdigit(c) && c != '-' && c != '_')
      return false;
  return true;
}

}  // namespace

std::string parse_out(const std::string &value, std::size_t position,
                      OutSpec &out) {
  const std::string where =
      "--out \"" + value + "\" (the " + ordinal(position) + " --out): ";
  if (value.empty()) return where + "empty; " + kExpected;
  const auto eq = value.find('=');
  if (eq == std::string::npos || !looks_like_type(value.substr(0, eq))) {
    out = {"json", value};
    return "";
  }
  out = {value.substr(0, eq), value.substr(eq + 1)};
  if (out.type != "json" && out.type != "csv" && out.type != "html" &&
      out.type != "influxdb")
    return where + "unknown output type \"" + out.type + "\"; " + kExpected;
  if (out.target.empty())
    return where + "no target after \"" + out.type + "=\"; " + kExpected;
  if (out.type == "influxdb") {
    InfluxUrl url;
    if (std::string e = parse_influx_url(out.target, url); !e.empty())
      return where + e;
  }
  return "";
}

std::unique_ptr<Output> make_output(const OutSpec &spec, std::string &error) {
  if (spec.type == "json") return JsonOutput::open(spec.target, error);
  if (spec.type == "csv") return CsvOutput::open(spec.target, error);
  if (spec.type == "html") return HtmlOutput::open(spec.target, error);
  if (spec.type == "influxdb") return InfluxOutput::open(spec.target, error);
  error = "--out " + spec.type + "=" + spec.target + ": not available";
  return nullptr;
}

}  // namespace golo::cli::outputs
