// Safe loading, through real golo-host processes: files refused from their
// bytes before dlopen (truncated, another machine's, no GOLO_PLUGIN note,
// with a constructor that must never run), owner and mode checks, the
// private-copy directory, a file written slowly under --watch, and the
// Kubernetes ConfigMap update pattern.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "host_process.h"

using namespace golo::test;

namespace {

// Waits up to 10 s for cond.
bool eventually(const std::function<bool()> &cond) {
  for (int i = 0; i < 1000; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

std::map<std::string, std::string> failures(const HostProcess &host) {
  std::map<std::string, std::string> out;
  const auto list = host.list();
  for (const auto &f : list.failures())
    out[fs::path(f.file()).filename().string()] = f.reason();
  return out;
}

std::string loaded_version(const HostProcess &host, const std::string &job) {
  const auto list = host.list();
  for (const auto &p : list.plugins())
    if (p.job() == job) return p.version();
  return "<not loaded>";
}

void write_bytes(const fs::path &p, const std::string &bytes, mode_t mode) {
  {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  fs::permissions(p, fs::perms(mode));
}

// A dead process's pid: one we started and reaped.
pid_t dead_pid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

std::string cli() { return golo_cli_binary().string() + " "; }

}  // namespace

TEST_CASE(
    "files that are not whole golo plugins for this machine are refused "
    "before dlopen - no constructor runs - the rest serve") {
  TempDir dir, work;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  const std::string so = read_text(example_plugin("noop"));
  REQUIRE(so.size() > 4096);

  // Cut mid-file, as a slow copy leaves it: the header is whole, the
  // segments are not.
  write_bytes(dir.path() / "truncated.so", so.substr(0, so.size() / 2), 0644);
  // Another machine's: e_machine 183 (AArch64), and a 32-bit i386 header.
  std::string arm = so;
  arm[18] = static_cast<char>(183);
  arm[19] = 0;
  write_bytes(dir.path() / "arm.so", arm, 0644);
  std::string i386 = so;
  i386[4] = 1;   // ELFCLASS32
  i386[18] = 3;  // EM_386
  i386[19] = 0;
  write_bytes(dir.path() / "i386.so", i386, 0644);
  write_bytes(dir.path() / "empty.so", "", 0644);
  install_plugin(test_plugin("constructor_no_marker"), dir.path(), "ctor");
  const fs::path marker = work.path() / "constructor-ran";

  HostProcess host(dir.path(), {},
                   {"GOLO_TEST_MARKER_FILE=" + marker.string()});
  golo::Response r;
  CHECK(host.trigger("noop", r).ok());
  CHECK_FALSE(fs::exists(marker));  // and the host did not abort

  auto reasons = failures(host);
  CHECK(reasons.size() == 5);
  CHECK(reasons["truncated.so"].find("truncated ELF file: segment ") == 0);
  CHECK(reasons["truncated.so"].find(
            ", the file has " + std::to_string(so.size() / 2) +
            " (still being written?") != std::string::npos);
  CHECK(reasons["arm.so"] ==
        "ELF file for another machine: built for AArch64, this host is "
        "x86-64");
  CHECK(reasons["i386.so"] ==
        "ELF file for another machine: built for x86 (i386), 32-bit, this "
        "host is x86-64");
  CHECK(reasons["empty.so"].find("empty file (0 bytes)") == 0);
  CHECK(reasons["ctor.so"] ==
        "not a golo plugin; no .note.golo note in the file; add "
        "GOLO_PLUGIN(...) from golo/plugin.h and rebuild");
  const auto log = host.log();
  for (const auto &[file, reason] : reasons)
    CHECK_MESSAGE(log.find((dir.path() / file).string() + ": " + reason) !=
                      std::string::npos,
                  "log lacks " << file << ": " << reason);

  std::string out;
  CHECK(run_command(cli() + "plugins --host " + host.address(), &out) == 0);
  // Primary, detail and hint each on a line of their own.
  CHECK_MESSAGE(out.find("not loaded: " + (dir.path() / "ctor.so").string() +
                         ": not a golo plugin\n    no .note.golo note in the "
                         "file\n    hint: add GOLO_PLUGIN(...) from "
                         "golo/plugin.h and rebuild\n") != std::string::npos,
                out);
  CHECK(out.find("built for AArch64") != std::string::npos);

  // A reload looks at them all again: still refused, still serving.
  const auto reply = host.reload();
  CHECK(reply.files_size() == 6);
  CHECK_FALSE(fs::exists(marker));
  CHECK(host.trigger("noop", r).ok());
}

TEST_CASE(
    "owner and mode: unsafe files and directories are refused with the "
    "reason - --allow-unsafe-permissions loads them with a warning") {
  TempDir dir, outside;
  const bool root = geteuid() == 0;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("version_a"), dir.path(), "group_writable");
  fs::permissions(dir.path() / "group_writable.so", fs::perms(0775));
  // A good file whose settings file is world-writable.
  install_plugin(example_plugin("noop"), dir.path(), "conf_writable");
  write_text(dir.path() / "conf_writable.conf", "x = 1\n");
  fs::permissions(dir.path() / "conf_writable.conf", fs::perms(0666));
  if (root) {
    install_plugin(example_plugin("noop"), dir.path(), "nobodys");
    REQUIRE(chown((dir.path() / "nobodys.so").c_str(), 65534, 65534) == 0);
  }
  // Symlinks: to a good file (loads), to a group-writable file, and to a
  // good file in a world-writable directory.
  install_plugin(test_plugin("version_b"), outside.path(), "good");
  fs::create_symlink(outside.path() / "good.so", dir.path() / "link_good.so");
  install_plugin(example_plugin("noop"), outside.path(), "gw");
  fs::permissions(outside.path() / "gw.so", fs::perms(0664));
  fs::create_symlink(outside.path() / "gw.so", dir.path() / "link_gw.so");
  fs::create_directories(outside.path() / "open");
  install_plugin(example_plugin("noop"), outside.path() / "open", "in_open");
  fs::permissions(outside.path() / "open", fs::perms(0777));
  fs::create_symlink(outside.path() / "open" / "in_open.so",
                     dir.path() / "link_open.so");

  {
    HostProcess host(dir.path());
    golo::Response r;
    CHECK(host.trigger("noop", r).ok());
    CHECK(host.trigger("link_good", r).ok());
    CHECK(r.output() == "b");
    auto reasons = failures(host);
    CHECK(reasons.size() == (root ? 5u : 4u));
    CHECK(reasons["group_writable.so"] ==
          "unsafe permissions: " + (dir.path() / "group_writable.so").string() +
              " is writable by group (mode 0775); anyone who can write it "
              "runs code as golo-host. chmod go-w it (or start golo-host with "
              "--allow-unsafe-permissions)");
    CHECK(reasons["conf_writable.conf"].find(
              "unsafe permissions: " +
              (dir.path() / "conf_writable.conf").string() +
              " is writable by others (mode 0666)") == 0);
    if (root)
      CHECK(reasons["nobodys.so"].find(
                "unsafe owner: " + (dir.path() / "nobodys.so").string() +
                " is owned by uid 65534") == 0);
    CHECK(reasons["link_gw.so"].find("unsafe permissions: symlink " +
                                     (dir.path() / "link_gw.so").string() +
                                     "'s target ") == 0);
    CHECK(reasons["link_open.so"].find("unsafe permissions: the directory " +
                                       (outside.path() / "open").string() +
                                       " of symlink ") == 0);
    CHECK(host.trigger("group_writable", r).error_code() ==
          grpc::StatusCode::NOT_FOUND);
    const auto log = host.log();
    CHECK(log.find("is writable by group (mode 0775)") != std::string::npos);
    CHECK(log.find("allow-unsafe-permissions: plugin files are loaded") ==
          std::string::npos);
  }
  {
    HostProcess host(dir.path(), {"--allow-unsafe-permissions"});
    CHECK(failures(host).empty());
    CHECK(host.list().plugins_size() == (root ? 7 : 6));
    golo::Response r;
    CHECK(host.trigger("group_writable", r).ok());
    CHECK(host.log().find("[warning] --allow-unsafe-permissions: plugin files "
                          "are loaded whatever their owner and mode") !=
          std::string::npos);
  }

  // A world-writable plugins directory: nothing is served from it, and the
  // failure list and the log say why; fixed, a reload loads everything.
  fs::permissions(dir.path(), fs::perms(0777));
  HostProcess host(dir.path());
  CHECK(host.list().plugins_size() == 0);
  const auto reasons = failures(host);
  REQUIRE(reasons.size() == 1);
  const std::string why = "unsafe permissions: the plugins directory " +
                          dir.path().string() +
                          " is writable by others (mode 0777)";
  CHECK(reasons.begin()->second.find(why) == 0);
  CHECK(reasons.begin()->second.find("; nothing is loaded from it") !=
        std::string::npos);
  CHECK(host.log().find(why) != std::string::npos);
  golo::Response r;
  CHECK(host.trigger("noop", r).error_code() == grpc::StatusCode::NOT_FOUND);
  fs::permissions(dir.path(), fs::perms(0755));
  host.reload();
  CHECK(host.trigger("noop", r).ok());
}

TEST_CASE(
    "private copies: a directory of the host's own, never a planted one - "
    "0700 - empty of copies - gone at exit - a dead host's swept at start") {
  TempDir base, victim, dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  install_plugin(test_plugin("version_a"), dir.path(), "job");
  write_text(victim.path() / "precious", "keep me\n");
  const auto victim_before = read_text(victim.path() / "precious");

  // The old predictable path, $TMPDIR/golo-host.PID, for the pids the host
  // may get, planted as symlinks to the victim.
  pid_t last = 0;
  std::ifstream("/proc/sys/kernel/ns_last_pid") >> last;
  for (pid_t p = last + 1; p <= last + 300; ++p)
    fs::create_symlink(victim.path(),
                       base.path() / ("golo-host." + std::to_string(p)));
  // Guessed mkdtemp names: a symlink to the victim with a dead pid file in
  // it, a directory of another user, and a directory of a live process.
  write_text(victim.path() / "pid", std::to_string(dead_pid()) + " 1\n");
  fs::create_symlink(victim.path(), base.path() / "golo-host.AAAAAA");
  const fs::path live = base.path() / "golo-host.LIVE00";
  fs::create_directory(live);
  fs::permissions(live, fs::perms(0700));
  {
    std::string stat = read_text("/proc/self/stat");
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 22; ++i) rest >> field;
    write_text(live / "pid", std::to_string(getpid()) + " " + field + "\n");
  }
  // A crashed host's directory: ours, 0700, its pid long gone.
  const fs::path stale = base.path() / "golo-host.STALE0";
  fs::create_directory(stale);
  fs::permissions(stale, fs::perms(0700));
  write_text(stale / "pid", std::to_string(dead_pid()) + " 12345\n");
  write_text(stale / "job.1.1.so", "a copy left behind");
  const bool root = geteuid() == 0;
  const fs::path others = base.path() / "golo-host.OTHER0";
  if (root) {
    fs::create_directory(others);
    fs::permissions(others, fs::perms(0700));
    write_text(others / "pid", std::to_string(dead_pid()) + " 1\n");
    REQUIRE(chown(others.c_str(), 65534, 65534) == 0);
  }

  HostProcess host(dir.path(), {},
                   {"RUNTIME_DIRECTORY=" + base.path().string()});
  // The worker makes the directory (the supervisor never loads plugins).
  const pid_t worker = host.worker_pid();
  INFO("worker pid ", worker, ", planted ", last + 1, "..", last + 300);
  const fs::path priv = private_dir_of(base.path(), worker);
  REQUIRE_FALSE(priv.empty());
  CHECK(host.log().find("private copies of plugin files go to " +
                        priv.string()) != std::string::npos);
  struct stat st {};
  REQUIRE(lstat(priv.c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK((st.st_mode & 07777) == 0700);
  CHECK(st.st_uid == geteuid());
  const std::string name = priv.filename().string();
  CHECK(name.size() == std::string("golo-host.XXXXXX").size());
  CHECK(fs::is_symlink(base.path() / ("golo-host." + std::to_string(worker))) ==
        (worker > last && worker <= last + 300));
  // Nothing written through the planted links; the victim is intact.
  CHECK(read_text(victim.path() / "precious") == victim_before);
  CHECK(std::distance(fs::directory_iterator(victim.path()),
                      fs::directory_iterator()) == 2);
  CHECK(fs::is_symlink(base.path() / "golo-host.AAAAAA"));
  CHECK(fs::exists(live / "pid"));
  if (root) CHECK(fs::exists(others / "pid"));
  CHECK_FALSE(fs::exists(stale));
  CHECK(host.log().find("removed stale private directory " + stale.string() +
                        " of golo-host pid") != std::string::npos);

  // Loaded, and a reload later: only the pid file, no copy stays.
  golo::Response r;
  CHECK(host.trigger("job", r).ok());
  install_plugin(test_plugin("version_b"), dir.path(), "job");
  host.reload();
  CHECK(host.trigger("job", r).ok());
  CHECK(r.output() == "b");
  std::set<std::string> entries;
  for (const auto &e : fs::directory_iterator(priv))
    entries.insert(e.path().filename().string());
  CHECK(entries == std::set<std::string>{"pid"});

  CHECK(host.stop() == 0);
  CHECK_FALSE(fs::exists(priv));
  CHECK(read_text(victim.path() / "precious") == victim_before);
}

TEST_CASE(
    "--watch: a file written slowly in place is refused as truncated until "
    "whole - then it loads") {
  TempDir dir;
  install_plugin(example_plugin("noop"), dir.path(), "noop");
  HostProcess host(dir.path(), {"--watch"});
  const std::string so = read_text(test_plugin("version_a"));
  const fs::path target = dir.path() / "slow.so";
  std::ofstream out(target, std::ios::binary);
  fs::permissions(target, fs::perms(0644));
  // The first 4 KiB: the ELF and program headers, not the code. (Half the
  // file is not enough: with debug info at the end, a hardened build's
  // half already held every PT_LOAD segment, and loaded.)
  const std::size_t cut = 4096;
  REQUIRE(so.size() > 2 * cut);
  out.write(so.data(), static_cast<std::streamsize>(cut));
  out.flush();
  // A reload (or a watcher's rescan) now sees half a file.
  const auto reply = host.reload();
  bool refused = false;
  for (const auto &f : reply.files())
    if (f.job() == "slow") {
      refused = f.outcome() == golo::FileOutcome::FAILED &&
                f.reason().find("truncated ELF file") == 0;
      INFO(f.reason());
      CHECK(refused);
    }
  CHECK(refused);
  golo::Response r;
  CHECK(host.trigger("noop", r).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  out.write(so.data() + cut, static_cast<std::streamsize>(so.size() - cut));
  out.close();  // IN_CLOSE_WRITE: the watcher rescans
  CHECK(eventually([&] { return loaded_version(host, "slow") == "a"; }));
  CHECK(host.trigger("slow", r).ok());
  CHECK(r.output() == "a");
  CHECK(failures(host).empty());
}

TEST_CASE(
    "--watch: a Kubernetes ConfigMap update (..data renamed into place) "
    "reloads - a new key's symlink loads") {
  TempDir dir;
  const fs::path d = dir.path();
  // The kubelet's layout: ..TIMESTAMP/ holds the files, ..data -> it, and
  // each NAME -> ..data/NAME.
  auto version_dir = [&](const std::string &ts,
                         const std::map<std::string, std::string> &files) {
    const fs::path v = d / (".." + ts);
    fs::create_directory(v);
    fs::permissions(v, fs::perms(0755));
    for (const auto &[name, plugin] : files)
      install_plugin(test_plugin(plugin), v, name);
    return v;
  };
  auto swap_data = [&](const fs::path &v) {
    fs::create_symlink(v.filename(), d / "..data_tmp");
    fs::rename(d / "..data_tmp", d / "..data");
  };
  const auto v1 =
      version_dir("2026_11_30_10_00_00.000000001", {{"job", "version_a"}});
  swap_data(v1);
  fs::create_symlink("..data/job.so", d / "job.so");

  HostProcess host(d, {"--watch"});
  CHECK(loaded_version(host, "job") == "a");

  // An update of an existing key: no NAME.so entry changes at all.
  const auto v2 =
      version_dir("2026_11_30_10_05_00.000000002", {{"job", "version_b"}});
  swap_data(v2);
  fs::remove_all(v1);
  CHECK(eventually([&] { return loaded_version(host, "job") == "b"; }));

  // A new key: its symlink appears after the swap.
  const auto v3 = version_dir("2026_11_30_10_10_00.000000003",
                              {{"job", "version_b"}, {"extra", "version_a"}});
  swap_data(v3);
  fs::remove_all(v2);
  fs::create_symlink("..data/extra.so", d / "extra.so");
  CHECK(eventually([&] { return loaded_version(host, "extra") == "a"; }));
  CHECK(loaded_version(host, "job") == "b");
  CHECK(failures(host).empty());
}
