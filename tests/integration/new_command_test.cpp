// golo new: the project it writes builds with -Werror against the source
// tree's header and against an installed one (pkg-config golo-plugin), and
// loads and runs in a real host with no edit. Bad names and existing files
// are refused with exit 2.
#include <doctest/doctest.h>

#include "host_process.h"

using namespace golo::test;

namespace {

std::string quoted(const fs::path &p) { return "'" + p.string() + "'"; }

// A pkg-config that finds nothing, so the Makefile's fallback is used even
// on a machine where golo's package is installed.
std::string no_pkg_config(const TempDir &work) {
  fs::create_directories(work.path() / "empty-pc");
  return "PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=" +
         quoted(work.path() / "empty-pc") + " ";
}

// The installed layout cpack makes: PREFIX/include/golo/plugin.h and
// PREFIX/share/pkgconfig/golo-plugin.pc (as packaging/CPackConfig.cmake
// writes it).
fs::path stage_installed_header(const TempDir &work) {
  const fs::path prefix = work.path() / "prefix";
  fs::create_directories(prefix / "include" / "golo");
  fs::copy_file(plugin_include_dir() / "golo" / "plugin.h",
                prefix / "include" / "golo" / "plugin.h");
  fs::create_directories(prefix / "share" / "pkgconfig");
  write_text(prefix / "share" / "pkgconfig" / "golo-plugin.pc",
             "prefix=" + prefix.string() +
                 "\nincludedir=${prefix}/include\n\nName: golo-plugin\n"
                 "Description: C ABI for golo load-test plugins\n"
                 "Version: 0.1.0\nCflags: -I${includedir}\n");
  return prefix;
}

// Builds the project in dir with env, installs it into plugins, runs its
// schedule on a real host and triggers it once.
void build_and_run(const fs::path &project, const std::string &env,
                   const std::string &expect_include) {
  std::string out;
  REQUIRE_MESSAGE(
      run_command("cd " + quoted(project) + " && " + env + "make", &out) == 0,
      out);
  CHECK(out.find("-Werror") != std::string::npos);
  CHECK_MESSAGE(out.find("-I" + expect_include) != std::string::npos, out);
  TempDir plugins("golo-new-plugins");
  out.clear();
  REQUIRE_MESSAGE(run_command("cd " + quoted(project) +
                                  " && make install "
                                  "PLUGINS=" +
                                  quoted(plugins.path()),
                              &out) == 0,
                  out);
  HostProcess host(plugins.path());
  out.clear();
  const int rc = run_command(golo_cli_binary().string() + " run --quiet " +
                                 quoted(project / "hello.yaml") + " --host " +
                                 host.address(),
                             &out);
  CHECK_MESSAGE(rc == 0, out);
  CHECK(out.find("target=world") != std::string::npos);
  CHECK(out.find("holds") != std::string::npos);
  golo::Response r;
  REQUIRE(host.trigger("hello", r).ok());
  CHECK(r.output() == "hello, world (user 0, iteration 0)");
  CHECK(tag(r, "target") == "world");
  CHECK(r.id().size() == 36);
}

}  // namespace

TEST_CASE("golo new: the project builds with the source tree's header") {
  TempDir work("golo-new");
  const std::string env = no_pkg_config(work);
  std::string out;
  REQUIRE_MESSAGE(run_command("cd " + quoted(work.path()) + " && " + env +
                                  golo_cli_binary().string() + " new hello",
                              &out) == 0,
                  out);
  for (const char *f : {"hello.c", "Makefile", "hello.conf", "hello.yaml"}) {
    CHECK_MESSAGE(fs::exists(work.path() / "hello" / f), f);
    CHECK(out.find("wrote hello/" + std::string(f)) != std::string::npos);
  }
  build_and_run(work.path() / "hello", env, plugin_include_dir().string());
}

TEST_CASE("golo new: the project builds with an installed header") {
  TempDir work("golo-new");
  const fs::path prefix = stage_installed_header(work);
  std::string out;
  REQUIRE(run_command(golo_cli_binary().string() + " new hello " +
                          quoted(work.path() / "p"),
                      &out) == 0);
  // pkg-config's answer wins over GOLO_INCLUDE: point that nowhere.
  const std::string env = "PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=" +
                          quoted(prefix / "share" / "pkgconfig") +
                          " GOLO_INCLUDE=/nonexistent ";
  build_and_run(work.path() / "p", env, (prefix / "include").string());
}

TEST_CASE("golo new: an installed golo points the Makefile at PREFIX/include") {
  TempDir work("golo-new");
  const fs::path prefix = stage_installed_header(work);
  fs::create_directories(prefix / "bin");
  fs::copy_file(golo_cli_binary(), prefix / "bin" / "golo");
  std::string out;
  REQUIRE(run_command(quoted(prefix / "bin" / "golo") + " new hello " +
                          quoted(work.path() / "p"),
                      &out) == 0);
  const auto makefile = read_text(work.path() / "p" / "Makefile");
  CHECK(makefile.find("GOLO_INCLUDE ?= " + (prefix / "include").string() +
                      "\n") != std::string::npos);
}

TEST_CASE("golo new: without any header the Makefile says what to do") {
  TempDir work("golo-new");
  const std::string env = no_pkg_config(work);
  std::string out;
  REQUIRE(run_command(golo_cli_binary().string() + " new hello " +
                          quoted(work.path() / "p"),
                      &out) == 0);
  out.clear();
  CHECK(run_command("cd " + quoted(work.path() / "p") + " && " + env +
                        "make GOLO_INCLUDE=/nonexistent",
                    &out) != 0);
  CHECK_MESSAGE(
      out.find("golo/plugin.h not found: install golo's package "
               "(pkg-config golo-plugin), or make GOLO_INCLUDE=DIR") !=
          std::string::npos,
      out);
}

TEST_CASE("golo new: bad names and existing files are refused with exit 2") {
  TempDir work("golo-new");
  const std::string golo = golo_cli_binary().string();
  std::string out;
  CHECK(run_command(golo + " new 9lives " + quoted(work.path() / "a"), &out) ==
        2);
  CHECK(out ==
        "golo new: NAME \"9lives\" is not a C identifier (letters, digits "
        "and '_', not starting with a digit): it names the job, the files "
        "and a C type\n");
  CHECK_FALSE(fs::exists(work.path() / "a"));
  out.clear();
  CHECK(run_command(golo + " new my-test " + quoted(work.path() / "a"), &out) ==
        2);
  CHECK(out.find("is not a C identifier") != std::string::npos);

  // An existing file: nothing is written, not even the other files.
  fs::create_directories(work.path() / "b");
  write_text(work.path() / "b" / "hello.conf", "mine = 1\n");
  out.clear();
  CHECK(run_command(golo + " new hello " + quoted(work.path() / "b"), &out) ==
        2);
  CHECK(out == "golo new: " + (work.path() / "b" / "hello.conf").string() +
                   " already exists; nothing was written (give another NAME "
                   "or DIR)\n");
  CHECK_FALSE(fs::exists(work.path() / "b" / "hello.c"));
  CHECK(read_text(work.path() / "b" / "hello.conf") == "mine = 1\n");

  out.clear();
  CHECK(run_command(golo + " new", &out) == 2);
  CHECK(out.find("usage: golo new NAME [DIR]") != std::string::npos);
}
