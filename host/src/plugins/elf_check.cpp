#include "plugins/elf_check.h"

#include <elf.h>

#include <cstring>
#include <type_traits>

#include "golo/plugin.h"

namespace golo::host {
namespace {

constexpr bool k64 = sizeof(void *) == 8;
using Ehdr = std::conditional_t<k64, Elf64_Ehdr, Elf32_Ehdr>;
using Phdr = std::conditional_t<k64, Elf64_Phdr, Elf32_Phdr>;
constexpr unsigned char kClass = k64 ? ELFCLASS64 : ELFCLASS32;
constexpr unsigned char kData =
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;

#if defined(__x86_64__)
constexpr std::uint16_t kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr std::uint16_t kMachine = EM_AARCH64;
#elif defined(__i386__)
constexpr std::uint16_t kMachine = EM_386;
#elif defined(__arm__)
constexpr std::uint16_t kMachine = EM_ARM;
#elif defined(__riscv)
constexpr std::uint16_t kMachine = EM_RISCV;
#elif defined(__powerpc64__)
constexpr std::uint16_t kMachine = EM_PPC64;
#elif defined(__s390x__)
constexpr std::uint16_t kMachine = EM_S390;
#elif defined(__loongarch__)
constexpr std::uint16_t kMachine = 258;  // EM_LOONGARCH
#else
#error "elf_check.cpp: add this machine's EM_ value"
#endif

std::string machine_name(std::uint16_t m) {
  switch (m) {
    case EM_X86_64:
      return "x86-64";
    case EM_386:
      return "x86 (i386)";
    case EM_AARCH64:
      return "AArch64";
    case EM_ARM:
      return "ARM";
    case EM_RISCV:
      return "RISC-V";
    case EM_PPC64:
      return "PowerPC64";
    case EM_PPC:
      return "PowerPC";
    case EM_S390:
      return "S/390";
    case EM_MIPS:
      return "MIPS";
    case 258:
      return "LoongArch";
    default:
      return "ELF machine " + std::to_string(m);
  }
}

std::string describe(std::uint16_t machine, unsigned char cls,
                     unsigned char data) {
  std::string s = machine_name(machine);
  if (cls != kClass) s += cls == ELFCLASS32 ? ", 32-bit" : ", 64-bit";
  if (data != kData)
    s += data == ELFDATA2MSB ? ", big-endian" : ", little-endian";
  return s;
}

std::string truncated(const std::string &what, std::uint64_t end,
                      std::size_t size) {
  return "truncated ELF file: " + what + " needs bytes up to offset " +
         std::to_string(end) + ", the file has " + std::to_string(size) +
         " (still being written? write it beside and rename it into place)";
}

// The golo note in one PT_NOTE segment's bytes, if there.
bool find_note(std::string_view seg, std::size_t align, ElfFacts &out) {
  auto up = [align](std::size_t n) { return (n + align - 1) / align * align; };
  std::size_t off = 0;
  while (seg.size() - off >= 12) {
    std::uint32_t w[3];
    std::memcpy(w, seg.data() + off, sizeof w);
    const std::size_t name_at = off + 12;
    if (w[0] > seg.size() || w[1] > seg.size()) return false;
    const std::size_t desc_at = name_at + up(w[0]);
    if (desc_at > seg.size() || seg.size() - desc_at < w[1]) return false;
    if (w[2] == GOLO_NOTE_TYPE && w[0] == sizeof(GOLO_NOTE_NAME) &&
        std::memcmp(seg.data() + name_at, GOLO_NOTE_NAME,
                    sizeof(GOLO_NOTE_NAME)) == 0 &&
        w[1] >= 8) {
      std::memcpy(&out.note_abi_version, seg.data() + desc_at, 4);
      std::memcpy(&out.note_abi_minor, seg.data() + desc_at + 4, 4);
      out.has_golo_note = true;
      return true;
    }
    off = desc_at + up(w[1]);
  }
  return false;
}

}  // namespace

std::string host_machine_name() { return machine_name(kMachine); }

std::variant<ElfFacts, std::string> check_elf(std::string_view b) {
  const std::size_t size = b.size();
  if (size < SELFMAG) {
    if (size > 0 && std::string_view(ELFMAG).substr(0, size) == b)
      return truncated("the ELF header", sizeof(Ehdr), size);
    if (size == 0)
      return std::string(
          "empty file (0 bytes): still being written, or not a plugin");
  }
  if (size < SELFMAG || b.compare(0, SELFMAG, ELFMAG) != 0)
    return std::string("not an ELF shared object (is it a compiled plugin?)");
  // e_ident and e_machine sit at the same offsets in every class.
  if (size < 20) return truncated("the ELF header", sizeof(Ehdr), size);
  const auto cls = static_cast<unsigned char>(b[EI_CLASS]);
  const auto data = static_cast<unsigned char>(b[EI_DATA]);
  const auto lo = static_cast<unsigned char>(b[18]);
  const auto hi = static_cast<unsigned char>(b[19]);
  const std::uint16_t machine = static_cast<std::uint16_t>(
      data == ELFDATA2MSB ? (lo << 8) | hi : (hi << 8) | lo);
  if (cls != kClass || data != kData || machine != kMachine)
    return "ELF file for another machine: built for " +
           describe(machine, cls, data) + ", this host is " +
           describe(kMachine, kClass, kData);

  if (size < sizeof(Ehdr))
    return truncated("the ELF header", sizeof(Ehdr), size);
  Ehdr eh;
  std::memcpy(&eh, b.data(), sizeof eh);
  switch (eh.e_type) {
    case ET_DYN:
      break;
    case ET_EXEC:
      return std::string(
          "not a shared object: it is an executable (ELF type EXEC); build "
          "the plugin with -shared -fPIC");
    case ET_REL:
      return std::string(
          "not a shared object: it is an object file (ELF type REL); link it "
          "with -shared");
    case ET_CORE:
      return std::string("not a shared object: it is a core dump");
    default:
      return "not a shared object: ELF type " + std::to_string(eh.e_type);
  }
  if (eh.e_phnum == 0 || eh.e_phnum == PN_XNUM ||
      eh.e_phentsize != sizeof(Phdr))
    return "not a loadable shared object: " + std::to_string(eh.e_phnum) +
           " program headers of " + std::to_string(eh.e_phentsize) + " bytes";
  const std::uint64_t ph_end =
      std::uint64_t{eh.e_phoff} + std::uint64_t{eh.e_phnum} * sizeof(Phdr);
  if (ph_end > size) return truncated("the program headers", ph_end, size);

  ElfFacts facts;
  bool any_load = false;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Phdr ph;
    std::memcpy(&ph, b.data() + eh.e_phoff + i * sizeof(Phdr), sizeof ph);
    // dlopen reads every segment's file range; none may lie past the end.
    const std::uint64_t end = std::uint64_t{ph.p_offset} + ph.p_filesz;
    if (end < ph.p_offset || end > size)
      return truncated("segment " + std::to_string(i) +
                           (ph.p_type == PT_LOAD ? " (PT_LOAD)" : ""),
                       end, size);
    if (ph.p_type == PT_LOAD) {
      any_load = true;
      if (ph.p_filesz > ph.p_memsz)
        return "malformed ELF file: segment " + std::to_string(i) +
               " has more bytes in the file than in memory";
    }
    if (ph.p_type == PT_NOTE && !facts.has_golo_note)
      find_note(b.substr(ph.p_offset, ph.p_filesz), ph.p_align == 8 ? 8 : 4,
                facts);
  }
  if (!any_load)
    return std::string("not a loadable shared object: no PT_LOAD segment");
  return facts;
}

}  // namespace golo::host
