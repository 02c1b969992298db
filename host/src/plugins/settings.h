// A plugin's settings: the file NAME.conf beside NAME.so, "key = value" lines;
// '#' at the start of a line or after a space or tab starts a comment.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace golo::host {

using Settings = std::map<std::string, std::string>;

// Parses settings text. On a malformed line returns nullopt and sets error to
// "FILE:LINE: what is wrong".
std::optional<Settings> parse_settings(const std::string &text,
                                       const std::string &file,
                                       std::string &error);

// The settings file that belongs to a plugin file (x/NAME.so -> x/NAME.conf).
std::filesystem::path settings_path(const std::filesystem::path &plugin);

}  // namespace golo::host
