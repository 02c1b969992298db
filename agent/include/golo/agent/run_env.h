// A run's env (ABI 1.2's host->env): KEY=VALUE strings from the schedule's
// env: (per job or per scenario) and golo run -e, checked the same way
// wherever they enter (schedule parser, CLI, host).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace golo::agent {

using RunEnv = std::map<std::string, std::string>;

inline constexpr std::size_t kMaxEnvEntries = 64;
inline constexpr std::size_t kMaxEnvKeyBytes = 128;
inline constexpr std::size_t kMaxEnvValueBytes = 4096;

// "" when key=value may be in an env, else why not: a key is 1 to 128
// letters, digits, '_', '.' or '-', starting with a letter or '_'; a value
// is at most 4096 bytes without control characters (tab allowed).
std::string env_problem(std::string_view key, std::string_view value);

// "KEY=VALUE" (golo run -e) into key and value; false when there is no '='.
bool split_env_arg(std::string_view arg, std::string &key, std::string &value);

}  // namespace golo::agent
