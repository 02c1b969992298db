// Step 2 of loading: are these bytes a whole ELF shared object for this
// machine, and do they carry the GOLO_PLUGIN note? Decided from the bytes
// alone, before dlopen maps (or runs) anything of the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace golo::host {

struct ElfFacts {
  bool has_golo_note = false;
  std::uint32_t note_abi_version = 0;
  std::uint32_t note_abi_minor = 0;
};

// The facts, or why the bytes cannot be loaded here: not ELF, another
// machine ("built for AArch64, this host is x86-64"), not a shared object,
// or truncated (with the offset it needed bytes up to).
std::variant<ElfFacts, std::string> check_elf(std::string_view bytes);

// This host's machine as check_elf names it, e.g. "x86-64".
std::string host_machine_name();

}  // namespace golo::host
