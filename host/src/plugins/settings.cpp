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

}  // namespace

std::optional<Settings> parse_settings(const std::string &text,
                                       const std::string &file,
                                       std::string &error) {
  Settings out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
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
