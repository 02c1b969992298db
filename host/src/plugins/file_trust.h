// Step 1 of loading: the plugins directory and each NAME.so / NAME.conf must
// be owned by the host's user or root and not writable by group or others
// (the mode does not matter on a read-only mount), or anyone who can write
// them runs code as the host. Files are checked on
// the descriptor that is then read (fstat), so nothing can be swapped in
// between the check and the read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace golo::host {

// Why the plugins directory may not be served from, or nullopt.
std::optional<std::string> check_plugins_directory(
    const std::filesystem::path &dir);

// Reads path whole into bytes. With check_permissions, refuses a file (or
// a symlink's target file or its directory) that fails the owner and mode
// test, and opens with O_NOFOLLOW. A file over max_size bytes is refused
// before any of it is read. Returns why not, or nullopt; every reason starts
// with "cannot open" or "unsafe".
std::optional<std::string> read_plugin_file(
    const std::filesystem::path &path, bool check_permissions,
    std::string &bytes, std::uint64_t max_size = 64ull * 1024 * 1024);

// The same checks and cap, but the file is hashed as it is read (SHA-256,
// lower-case hex into sha256_hex), 64 KiB at a time: a rescan's fingerprint
// of a large file never holds it in memory.
std::optional<std::string> hash_plugin_file(
    const std::filesystem::path &path, bool check_permissions,
    std::string &sha256_hex, std::uint64_t max_size = 64ull * 1024 * 1024);

}  // namespace golo::host
