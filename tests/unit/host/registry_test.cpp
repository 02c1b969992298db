// The loader's decisions and the registry's rescan, in process, on the
// project's real test plugins. Also the ThreadSanitizer target for reload.
#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "abi/response.h"
#include "plugins/plugin_registry.h"

namespace fs = std::filesystem;
using namespace golo::host;

namespace {

fs::path built(const std::string &dir, const std::string &name) {
  return fs::path(dir) / (name + ".so");
}
fs::path example(const std::string &n) {
  return built(GOLO_EXAMPLE_PLUGIN_DIR, n);
}
fs::path test_plugin(const std::string &n) {
  return built(GOLO_TEST_PLUGIN_DIR, n);
}

struct Dirs {
  fs::path root =
      fs::path(GOLO_TEST_TMP) / ("registry-" + std::to_string(getpid()) + "-" +
                                 std::to_string(counter++));
  fs::path plugins = root / "plugins";
  fs::path priv = root / "private";
  Dirs() {
    fs::create_directories(plugins);
    fs::create_directories(priv);
    fs::permissions(plugins, fs::perms(0755));
  }
  ~Dirs() { fs::remove_all(root); }
  // Write beside, then rename: never rewrite a file that may be mapped.
  void install(const fs::path &so, const std::string &name) const {
    fs::copy_file(so, plugins / ("." + name + ".tmp"),
                  fs::copy_options::overwrite_existing);
    fs::permissions(plugins / ("." + name + ".tmp"), fs::perms(0755));
    fs::rename(plugins / ("." + name + ".tmp"), plugins / (name + ".so"));
  }
  static inline int counter = 0;
};

std::map<std::string, FileChange> outcomes(
    const std::vector<FileReport> &reports) {
  std::map<std::string, FileChange> out;
  for (const auto &r : reports) out[r.job] = r.outcome;
  return out;
}

}  // namespace

TEST_CASE("loader: each refusal has its reason, in its three parts") {
  Dirs d;
  PluginLoader loader(d.priv);
  auto problem = [&](const std::string &name) {
    auto r = loader.load(test_plugin(name), name, 1);
    REQUIRE(std::holds_alternative<LoadError>(r));
    return std::get<LoadError>(r).problem;
  };
  // A leaf check's one line is the primary.
  const HostError not_elf = problem("not_elf");
  CHECK(not_elf.primary ==
        "not an ELF shared object (is it a compiled plugin?)");
  CHECK(not_elf.detail.empty());
  CHECK(not_elf.hint.empty());
  const HostError no_marker = problem("no_marker");
  CHECK(no_marker.primary == "not a golo plugin");
  CHECK(no_marker.detail == "no .note.golo note in the file");
  CHECK(no_marker.hint ==
        "add GOLO_PLUGIN(...) from golo/plugin.h and rebuild");
  CHECK(no_marker.message() ==
        "not a golo plugin; no .note.golo note in the file; add "
        "GOLO_PLUGIN(...) from golo/plugin.h and rebuild");
  const HostError disagrees = problem("marker_disagrees");
  CHECK(disagrees.primary == "ABI marker disagrees with the file's golo note");
  CHECK(disagrees.detail ==
        "golo_plugin_magic() says ABI 2, the note says ABI 1");
  CHECK(disagrees.hint == "rebuild with GOLO_PLUGIN(...)");
  const HostError no_trigger = problem("no_trigger");
  CHECK(no_trigger.primary == "no golo_trigger symbol");
  CHECK(no_trigger.hint.find("nm -D") != std::string::npos);
  const HostError wrong_abi = problem("wrong_abi");
  CHECK(wrong_abi.primary == "ABI version mismatch");
  CHECK(wrong_abi.detail == "host supports ABI 1, plugin was built for ABI 99");
  CHECK(wrong_abi.hint == "rebuild against the plugin.h of this release");
  const HostError init_fails = problem("init_fails");
  CHECK(init_fails.primary == "init failed (returned 1)");
  CHECK(init_fails.detail == "database unreachable");
  CHECK(init_fails.hint.empty());
  auto missing = loader.load(d.plugins / "absent.so", "absent", 1);
  CHECK(std::get<LoadError>(missing).problem.primary.find("cannot open") == 0);
}

TEST_CASE(
    "loader: a good plugin loads with its metadata and no private copy stays "
    "on disk") {
  Dirs d;
  PluginLoader loader(d.priv);
  auto r = loader.load(test_plugin("version_a"), "v", 7);
  REQUIRE(std::holds_alternative<std::shared_ptr<LoadedGeneration>>(r));
  auto v = std::get<std::shared_ptr<LoadedGeneration>>(r);
  CHECK(v->meta().version == "a");
  CHECK(v->meta().name == "version");
  CHECK(v->meta().generation == 7);
  CHECK(v->meta().sha256.size() == 64);
  // The loader's own directory under d.priv holds its pid file, no copy.
  CHECK(loader.private_dir().parent_path() == d.priv);
  CHECK(std::distance(fs::directory_iterator(loader.private_dir()),
                      fs::directory_iterator()) == 1);
  CHECK(fs::exists(loader.private_dir() / "pid"));
  golo_response resp;
  CHECK(v->trigger(resp) == 0);
  CHECK(resp.output == "a");
  CHECK(v->calls() == 1);
}

TEST_CASE("rescan: added unchanged replaced removed failed") {
  Dirs d;
  PluginRegistry reg(d.plugins, d.priv);
  d.install(test_plugin("version_a"), "job");
  d.install(example("noop"), "noop");
  auto first = outcomes(reg.rescan());
  CHECK(first["job"] == FileChange::kAdded);
  CHECK(first["noop"] == FileChange::kAdded);
  CHECK(outcomes(reg.rescan())["job"] == FileChange::kUnchanged);

  auto held = reg.find("job");  // a call in flight on version a
  d.install(test_plugin("version_b"), "job");
  CHECK(outcomes(reg.rescan())["job"] == FileChange::kReplaced);
  CHECK(reg.find("job")->meta().version == "b");
  CHECK(reg.status().at("job").draining == 1);  // a is still held
  held.reset();
  CHECK(reg.status().at("job").draining == 0);

  // A failing replacement leaves b serving.
  d.install(test_plugin("wrong_abi"), "job");
  auto failed = reg.rescan();
  CHECK(outcomes(failed)["job"] == FileChange::kFailed);
  CHECK(reg.find("job")->meta().version == "b");
  REQUIRE(reg.failures().size() == 1);

  fs::remove(d.plugins / "job.so");
  CHECK(outcomes(reg.rescan())["job"] == FileChange::kRemoved);
  CHECK(reg.find("job") == nullptr);
  CHECK(reg.find("") != nullptr);  // noop is the only one left
}

TEST_CASE("rescan: hidden and non-.so files are ignored") {
  Dirs d;
  PluginRegistry reg(d.plugins, d.priv);
  fs::copy_file(example("noop"), d.plugins / ".noop.so");
  fs::copy_file(example("noop"), d.plugins / "noop.so.bak");
  CHECK(reg.rescan().empty());
  CHECK(reg.jobs().empty());
}

TEST_CASE(
    "concurrent calls during repeated swaps: every call whole from one "
    "version") {
  Dirs d;
  PluginRegistry reg(d.plugins, d.priv);
  d.install(test_plugin("version_a"), "job");
  reg.rescan();
  std::atomic<bool> stop{false};
  std::atomic<long> calls{0}, bad{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t)
    callers.emplace_back([&] {
      golo_response resp;
      while (!stop.load()) {
        auto v = reg.find("job");
        if (!v) {
          ++bad;
          continue;
        }
        if (v->trigger(resp) != 0 || resp.output != v->meta().version) ++bad;
        ++calls;
      }
    });
  for (int i = 0; i < 40; ++i) {
    d.install(test_plugin(i % 2 ? "version_a" : "version_b"), "job");
    auto r = outcomes(reg.rescan());
    CHECK(r["job"] == FileChange::kReplaced);
    CHECK(reg.find("job")->meta().version == (i % 2 ? "a" : "b"));
  }
  stop = true;
  for (auto &t : callers) t.join();
  CHECK(bad == 0);
  CHECK(calls > 0);
  CHECK(reg.status().at("job").draining == 0);
}

TEST_CASE("resolve: the version, or an error naming what is there") {
  Dirs d;
  PluginRegistry reg(d.plugins, d.priv);
  auto none = reg.resolve("");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == HostError::Code::kNotFound);
  CHECK(none.error().message() ==
        "jobName is empty and there is not exactly one job to pick; jobs: "
        "none loaded from " +
            d.plugins.string());
  d.install(example("noop"), "noop");
  reg.rescan();
  auto only = reg.resolve("");  // the only job is picked
  REQUIRE(only);
  CHECK((*only)->meta().job == "noop");
  d.install(test_plugin("version_a"), "job");
  reg.rescan();
  auto missing = reg.resolve("nope");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == HostError::Code::kNotFound);
  CHECK(missing.error().primary == "job \"nope\" not found");
  CHECK(missing.error().detail == "jobs: job, noop");
  auto long_name = reg.resolve(std::string(kMaxJobNameBytes + 1, 'x'));
  REQUIRE_FALSE(long_name);
  CHECK(long_name.error().code == HostError::Code::kInvalidArgument);
  CHECK(long_name.error().message() ==
        "jobName is 257 bytes; the limit is 256");
  REQUIRE(reg.resolve("job"));
}
