// Bounded scanning (issue 20, item 9), through a real golo-host: entries
// named NAME.so that cannot be plugins (a dangling symlink, a directory, a
// FIFO, an unreadable file) are listed by golo plugins with their reason,
// never skipped in silence; names with newlines or control characters are
// escaped in its table and in the host's log, so they can forge neither.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>

#include "host_process.h"

using namespace golo::test;

namespace {

std::map<std::string, std::string> reasons(const HostProcess &host) {
  std::map<std::string, std::string> out;
  const auto list = host.list();
  for (const auto &f : list.failures())
    out[fs::path(f.file()).filename().string()] = f.reason();
  return out;
}

}  // namespace

TEST_CASE(
    "entries that cannot be plugins are listed with their reason and odd "
    "names are escaped in the table and the log") {
  TempDir dir;
  const fs::path &d = dir.path();
  install_plugin(example_plugin("noop"), d, "noop");
  fs::create_symlink("gone.so", d / "dangling.so");
  fs::create_directory(d / "folder.so");
  REQUIRE(mkfifo((d / "pipe.so").c_str(), 0644) == 0);
  install_plugin(example_plugin("noop"), d, "unreadable");
  fs::permissions(d / "unreadable.so", fs::perms::none);
  // A plugin whose name holds a newline, and a directory whose name holds
  // an escape sequence: either would forge a row or a log line unescaped.
  install_plugin(example_plugin("noop"), d, "two\nlines");
  fs::create_directory(d / "red\x1b[31m.so");

  // Root reads any file: the host runs as nobody, so mode 0000 is
  // unreadable to it, as it is to any user who is not root.
  std::vector<std::string> prefix;
  if (geteuid() == 0)
    prefix = {"/usr/bin/setpriv", "--reuid", "nobody",
              "--regid",          "nogroup", "--clear-groups"};
  HostProcess host(d, {}, {}, prefix);

  const auto r = reasons(host);
  CHECK(r.size() == 5);
  CHECK(r.at("dangling.so").find("dangling symlink to gone.so") == 0);
  CHECK(r.at("folder.so") == "a directory, not a plugin file");
  CHECK(r.at("pipe.so") == "a FIFO, not a plugin file");
  CHECK(r.at("unreadable.so").find("Permission denied") != std::string::npos);
  CHECK(r.at("red\x1b[31m.so") == "a directory, not a plugin file");
  golo::Response resp;
  CHECK(host.trigger("noop", resp).ok());  // the rest serve
  CHECK(host.trigger("two\nlines", resp).ok());

  std::string table;
  REQUIRE(run_command(
              golo_cli_binary().string() + " plugins --host " + host.address(),
              &table, false) == 0);
  CHECK(table.find("not loaded: " + d.string() +
                   "/folder.so: a directory, not a plugin file") !=
        std::string::npos);
  CHECK(table.find("two\\nlines") != std::string::npos);
  CHECK(table.find("red\\x1b[31m.so") != std::string::npos);
  CHECK(table.find('\x1b') == std::string::npos);
  CHECK(table.find("\nlines") == std::string::npos);

  const std::string log = host.log();
  CHECK(log.find("plugin two\\nlines: loaded") != std::string::npos);
  CHECK(log.find("red\\x1b[31m.so: a directory") != std::string::npos);
  CHECK(log.find('\x1b') == std::string::npos);
  CHECK(log.find("\nlines") == std::string::npos);
}
