#include "plugins/settings.h"

#include <sstream>

namespace golo::host {
namespace {

std::string trim(const std::string &s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// '#' at the start of a line or after a space or tab starts a comment, so
// "timeout = 5000   # whole request" is 5000, and a URL's fragment
// ("http://x/#top") stays whole.
std::string strip_comment(const std::string &line) {
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
      return line.substr(0, i);
  return line;
}

}  // namespace

std::optional<Settings> parse_settings(const std::string &text,
                                       const std::string &file,
                                       std::string &error) {
  Settings out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = trim(strip_comment(line));
    if (t.empty()) continue;
    const auto eq = t.find('=');
    if (eq == std::string::npos) {
      error = file + ":" + std::to_string(n) +
              ": expected \"key = value\", got \"" + t + "\"";
      return std::nullopt;
    }
    std::string key = trim(t.substr(0, eq));
    if (key.empty()) {
      error = file + ":" + std::to_string(n) + ": empty key before '='";
      return std::nullopt;
    }
    out[key] = trim(t.substr(eq + 1));
  }
  return out;
}

std::filesystem::path settings_path(const std::filesystem::path &plugin) {
  auto p = plugin;
  p.replace_extension(".conf");
  return p;
}

}  // namespace golo::host
