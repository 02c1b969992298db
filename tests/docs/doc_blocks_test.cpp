// Every code block in docs/plugin-guide.md and plugins/README.md is what it
// says: a fenced block's info string names its kind, and each kind is
// checked by the tool a reader would use.
//   c, c c11   a whole plugin: compiled with -std=c99 (or c11) -O2 -Wall
//              -Wextra -pedantic -Werror -pthread -shared -fPIC -Wl,-z,defs
//   conf       NAME.conf: the host's settings parser must accept it
//   yaml       a schedule: the agent's schedule parser must accept it
//   sh         commands: bash -n must accept them
//   console    a transcript (commands and their output); text: output
// An indented code block, or any other info string, fails the test: every
// block must be one the test can check.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "golo/agent/schedule.h"
#include "plugins/settings.h"

namespace fs = std::filesystem;

namespace {

struct Block {
  std::string info;  // the fence's info string
  int line = 0;      // of the opening fence, 1-based
  std::string text;
};

struct Document {
  std::vector<Block> blocks;
  std::vector<std::string> problems;  // unfenced code, unclosed fences
};

std::string read(const fs::path &p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t indent(const std::string &line) {
  return line.find_first_not_of(' ') == std::string::npos
             ? line.size()
             : line.find_first_not_of(' ');
}

Document parse(const std::string &file) {
  Document doc;
  std::istringstream in(read(file));
  std::string line, previous = "";
  Block *open = nullptr;
  std::size_t fence_indent = 0;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::size_t ind = indent(line);
    const bool fence = line.compare(ind, 3, "```") == 0;
    if (open) {
      if (fence && line.find_first_not_of(' ', ind + 3) == std::string::npos) {
        open = nullptr;
      } else {
        // Strip the fence's own indentation (a block inside a list item).
        open->text += line.substr(std::min(fence_indent, indent(line))) + "\n";
      }
    } else if (fence) {
      std::string info = line.substr(ind + 3);
      info.erase(info.find_last_not_of(' ') + 1);
      doc.blocks.push_back({info, n, ""});
      open = &doc.blocks.back();
      fence_indent = ind;
    } else if (previous.find_first_not_of(' ') == std::string::npos &&
               (ind >= 4 || line.rfind('\t', 0) == 0) &&
               line.find_first_not_of(" \t") != std::string::npos) {
      // An indented code block: four spaces after a blank line.
      doc.problems.push_back(file + ":" + std::to_string(n) +
                             ": an indented code block; fence it with its "
                             "kind (```c, ```sh, ...) so a test checks it");
    }
    previous = open ? "x" : line;
  }
  if (open)
    doc.problems.push_back(file + ":" + std::to_string(open->line) +
                           ": a code block that is never closed");
  return doc;
}

int run(const std::string &cmd, std::string &out) {
  out.clear();
  FILE *p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

fs::path scratch() {
  const fs::path dir =
      fs::path(GOLO_TEST_TMP) / ("blocks-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir;
}

// Checks one block; returns "" or what is wrong.
std::string check(const Block &b, const std::string &where, int index) {
  const fs::path dir = scratch();
  const std::string stem = (dir / ("block" + std::to_string(index))).string();
  std::string out;
  if (b.info == "c" || b.info == "c c99" || b.info == "c c11") {
    const std::string std = b.info == "c c11" ? "c11" : "c99";
    std::ofstream(stem + ".c") << b.text;
    const std::string cmd =
        std::string(GOLO_C_COMPILER) + " -std=" + std +
        " -O2 -Wall -Wextra -pedantic -Werror -pthread -shared -fPIC "
        "-Wl,-z,defs -I '" GOLO_SOURCE_DIR "/plugin-api/include' '" +
        stem + ".c' -o '" + stem + ".so'";
    if (run(cmd, out) != 0) return where + ": does not compile:\n" + out;
    // Every C block is a whole plugin: its marker and trigger are there.
    if (run("nm -D --defined-only '" + stem + ".so'", out) != 0 ||
        out.find(" T golo_plugin_magic") == std::string::npos ||
        out.find(" T golo_trigger") == std::string::npos)
      return where +
             ": not a whole plugin (golo_plugin_magic and "
             "golo_trigger exported):\n" +
             out;
    return "";
  }
  if (b.info == "conf") {
    std::string error;
    const auto settings = golo::host::parse_settings(b.text, where, error);
    if (!settings) return where + ": the host refuses it: " + error;
    if (settings->empty()) return where + ": sets nothing";
    return "";
  }
  if (b.info == "yaml") {
    try {
      golo::agent::Schedule::parse(b.text, where);
    } catch (const std::exception &e) {
      return where + ": the schedule parser refuses it: " + e.what();
    }
    return "";
  }
  if (b.info == "sh") {
    std::ofstream(stem + ".sh") << b.text;
    if (run("bash -n '" + stem + ".sh'", out) != 0)
      return where + ": not valid shell:\n" + out;
    return "";
  }
  if (b.info == "console" || b.info == "text")
    return b.text.empty() ? where + ": empty" : "";
  return where + ": unknown kind \"" + b.info +
         "\" (c, c c11, conf, yaml, sh, console or text)";
}

void check_document(const std::string &relative,
                    const std::vector<std::string> &must_have) {
  const std::string file = std::string(GOLO_SOURCE_DIR) + "/" + relative;
  const Document doc = parse(file);
  for (const auto &p : doc.problems) FAIL_CHECK(p);
  int index = 0;
  for (const auto &b : doc.blocks) {
    const std::string where = relative + ":" + std::to_string(b.line);
    const std::string problem = check(b, where, index++);
    CHECK_MESSAGE(problem.empty(), problem);
  }
  // The kinds the document is known to hold: a parser that found no blocks
  // at all would otherwise pass.
  for (const auto &kind : must_have) {
    bool found = false;
    for (const auto &b : doc.blocks) found = found || b.info == kind;
    CHECK_MESSAGE(found, relative << " has no " << kind << " block");
  }
}

}  // namespace

TEST_CASE("every code block in the plugin guide compiles or parses") {
  check_document("docs/plugin-guide.md",
                 {"c", "c c11", "conf", "yaml", "sh", "console"});
}

TEST_CASE("every code block in plugins/README.md parses") {
  check_document("plugins/README.md", {"conf"});
}

TEST_CASE("the block checker fails what it should") {
  // A test that cannot fail is a defect: feed it one bad block of each kind.
  CHECK_FALSE(
      check({"c", 1, "int main(void) { return undeclared; }\n"}, "bad.c", 900)
          .empty());
  CHECK_FALSE(
      check({"c", 1, "#include <golo/plugin.h>\n"}, "no-plugin", 901).empty());
  CHECK(check({"conf", 1, "timeout = 5000   # ms\n"}, "ok.conf", 902).empty());
  CHECK(check({"conf", 1, "just words\n"}, "bad.conf", 903)
            .find("bad.conf: the host refuses it: bad.conf:1: expected") == 0);
  CHECK_FALSE(
      check({"yaml", 1, "job:\n  userz: 1\n"}, "bad.yaml", 904).empty());
  CHECK_FALSE(check({"sh", 1, "if then fi (\n"}, "bad.sh", 905).empty());
  CHECK_FALSE(check({"python", 1, "x = 1\n"}, "x.py", 906).empty());
  const fs::path md = scratch() / "indented.md";
  std::ofstream(md) << "Text.\n\n    cc -o x x.c\n\n```sh\ntrue\n```\n";
  const Document doc = parse(md.string());
  CHECK(doc.problems.size() == 1);
  CHECK(doc.blocks.size() == 1);
}
