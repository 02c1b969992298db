#include "golo/agent/run_env.h"

namespace golo::agent {

std::string env_problem(std::string_view key, std::string_view value) {
  if (key.empty()) return "an env key is empty";
  if (key.size() > kMaxEnvKeyBytes)
    return "env key \"" + std::string(key.substr(0, 32)) + "...\" is " +
           std::to_string(key.size()) + " bytes; the limit is " +
           std::to_string(kMaxEnvKeyBytes);
  const auto letter = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  };
  for (char c : key)
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '.' && c != '-')
      return "env key \"" + std::string(key) +
             "\" may hold only letters, digits, '_', '.' and '-'";
  if (!letter(key.front()))
    return "env key \"" + std::string(key) +
           "\" must start with a letter or '_'";
  if (value.size() > kMaxEnvValueBytes)
    return "env " + std::string(key) + "'s value is " +
           std::to_string(value.size()) + " bytes; the limit is " +
           std::to_string(kMaxEnvValueBytes);
  for (char c : value)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
      return "env " + std::string(key) +
             "'s value holds a control character (CR, LF, NUL, ...)";
  return {};
}

bool split_env_arg(std::string_view arg, std::string &key, std::string &value) {
  const auto eq = arg.find('=');
  if (eq == std::string_view::npos) return false;
  key.assign(arg.substr(0, eq));
  value.assign(arg.substr(eq + 1));
  return true;
}

}  // namespace golo::agent
