// The ELF check on real plugin bytes and on bytes cut or edited from them.
#include "plugins/elf_check.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace golo::host;

namespace {

std::string bytes_of(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string noop() {
  return bytes_of(std::string(GOLO_EXAMPLE_PLUGIN_DIR) + "/noop.so");
}

std::string why(const std::string &b) {
  auto r = check_elf(b);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}

}  // namespace

TEST_CASE("elf check: a real plugin passes and carries its note") {
  const auto so = noop();
  REQUIRE(so.size() > 1000);
  auto r = check_elf(so);
  REQUIRE(std::holds_alternative<ElfFacts>(r));
  CHECK(std::get<ElfFacts>(r).has_golo_note);
  CHECK(std::get<ElfFacts>(r).note_abi_version == 1);
  auto plain =
      check_elf(bytes_of(std::string(GOLO_TEST_PLUGIN_DIR) + "/no_marker.so"));
  REQUIRE(std::holds_alternative<ElfFacts>(plain));
  CHECK_FALSE(std::get<ElfFacts>(plain).has_golo_note);
  auto wrong =
      check_elf(bytes_of(std::string(GOLO_TEST_PLUGIN_DIR) + "/wrong_abi.so"));
  REQUIRE(std::holds_alternative<ElfFacts>(wrong));
  CHECK(std::get<ElfFacts>(wrong).note_abi_version == 99);
}

TEST_CASE("elf check: truncated anywhere says where it needed bytes") {
  const auto so = noop();
  CHECK(why("") ==
        "empty file (0 bytes): still being written, or not a plugin");
  CHECK(why("\x7f"
            "EL")
            .find("truncated ELF file: the ELF header needs bytes "
                  "up to offset 64, the file has 3") == 0);
  CHECK(why(so.substr(0, 40)).find("truncated ELF file: the ELF header") == 0);
  CHECK(
      why(so.substr(0, 100)).find("truncated ELF file: the program headers") ==
      0);
  // Every cut past the program headers and short of the end is caught.
  for (std::size_t cut = 1024; cut < so.size(); cut += 997) {
    CAPTURE(cut);
    auto r = check_elf(so.substr(0, cut));
    // A cut inside only the section headers (after every segment) loads.
    if (std::holds_alternative<ElfFacts>(r)) continue;
    CHECK(std::get<std::string>(r).find("truncated ELF file: segment ") == 0);
  }
  CHECK(why(so.substr(0, so.size() / 2)).find("truncated ELF file: segment ") ==
        0);
}

TEST_CASE("elf check: another machine, class or type is named") {
  auto so = noop();
  CHECK(why("hello, world") ==
        "not an ELF shared object (is it a compiled plugin?)");
  auto arm = so;
  arm[18] = static_cast<char>(183);  // EM_AARCH64
  arm[19] = 0;
  CHECK(why(arm) ==
        "ELF file for another machine: built for AArch64, this "
        "host is " +
            host_machine_name());
  auto be = so;
  be[5] = 2;  // ELFDATA2MSB: e_machine now reads big-endian
  be[18] = 0;
  be[19] = 22;  // EM_S390
  CHECK(why(be) ==
        "ELF file for another machine: built for S/390, "
        "big-endian, this host is " +
            host_machine_name());
  auto exec = so;
  exec[16] = 2;  // ET_EXEC
  CHECK(why(exec).find("not a shared object: it is an executable") == 0);
  auto rel = so;
  rel[16] = 1;  // ET_REL
  CHECK(why(rel).find("not a shared object: it is an object file") == 0);
}
