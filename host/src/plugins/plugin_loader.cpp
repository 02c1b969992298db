#include "plugins/plugin_loader.h"

#include <dlfcn.h>
#include <link.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "golo/agent/sha256.h"
#include "golo/agent/utf8.h"
#include "plugins/elf_check.h"
#include "plugins/file_trust.h"
#include "plugins/settings.h"
#include "worker/call_board.h"

namespace golo::host {
namespace fs = std::filesystem;

namespace {

// A load that failed: what (primary), what was found (detail), what to do
// (hint). The leaf checks (file_trust.h, elf_check.h) answer with one line,
// which is the primary.
LoadError fail(const fs::path &file, std::string primary,
               std::string detail = {}, std::string hint = {}) {
  return LoadError{
      file.string(),
      HostError{HostError::Code::kFailedPrecondition, std::move(primary),
                std::move(detail), std::move(hint)},
      false,
      {}};
}

// The address range of a loaded library's segments, so that a crash at an
// address inside it is known to be this plugin's.
std::pair<std::uint64_t, std::uint64_t> code_range(void *handle) {
  link_map *lm = nullptr;
  if (!handle || dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm) return {};
  struct Search {
    ElfW(Addr) base;
    std::uint64_t begin = ~0ull, end = 0;
  } search{lm->l_addr};
  dl_iterate_phdr(
      [](dl_phdr_info *info, std::size_t, void *data) {
        auto *s = static_cast<Search *>(data);
        if (info->dlpi_addr != s->base) return 0;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const auto &ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD) continue;
          s->begin = std::min<std::uint64_t>(s->begin, s->base + ph.p_vaddr);
          s->end = std::max<std::uint64_t>(s->end,
                                           s->base + ph.p_vaddr + ph.p_memsz);
        }
        return 1;
      },
      &search);
  if (search.end == 0) return {};
  return {search.begin, search.end};
}

// golo_init on a thread of its own, so that one that never returns cannot
// hold the reload (and every later one) forever. What the call uses lives in
// a shared block that the thread keeps alive if it is abandoned.
struct InitCall {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  int rc = 0;
  void *state = nullptr;
  std::string job;
  golo_init_args args{};
};

}  // namespace

PluginLoader::PluginLoader(const fs::path &private_base, LoaderOptions options)
    : options_(options),
      private_dir_(std::make_unique<PrivateDir>(private_base)) {}

// Versions still loaded keep their mapping; only the directory goes.
PluginLoader::~PluginLoader() = default;

const fs::path &PluginLoader::private_dir() const {
  return private_dir_->path();
}

std::optional<std::string> PluginLoader::check_directory(
    const fs::path &dir) const {
  if (options_.allow_unsafe_permissions) return std::nullopt;
  return check_plugins_directory(dir);
}

std::variant<FileFingerprint, LoadError> PluginLoader::fingerprint(
    const fs::path &file) const {
  // Hashed as read: every rescan fingerprints every loaded file.
  const bool check = !options_.allow_unsafe_permissions;
  FileFingerprint fp;
  if (auto why =
          hash_plugin_file(file, check, fp.sha256, options_.max_file_size))
    return fail(file, *why);
  const auto conf = settings_path(file);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(conf, ec)))
    if (auto why = hash_plugin_file(conf, check, fp.settings_sha256,
                                    options_.max_file_size))
      return fail(conf, *why);
  return fp;
}

namespace {

// 3. The marker, read from the bytes: a file without it runs no code.
std::optional<LoadError> check_note(const fs::path &file,
                                    const ElfFacts &facts) {
  if (!facts.has_golo_note)
    return fail(file, "not a golo plugin",
                "no " GOLO_NOTE_SECTION " note in the file",
                "add GOLO_PLUGIN(...) from golo/plugin.h and rebuild");
  if (facts.note_abi_version != GOLO_ABI_VERSION)
    return fail(file, "ABI version mismatch",
                "host supports ABI " + std::to_string(GOLO_ABI_VERSION) +
                    ", plugin was built for ABI " +
                    std::to_string(facts.note_abi_version),
                "rebuild against the plugin.h of this release");
  return std::nullopt;
}

// 4. Settings, before any plugin code runs: into plugin, and their hash.
std::optional<LoadError> read_settings(const fs::path &file, bool check,
                                       std::uint64_t max_size,
                                       golo_plugin &plugin, std::string &hash) {
  const auto conf = settings_path(file);
  std::error_code exists_ec;
  if (!fs::exists(fs::symlink_status(conf, exists_ec))) return std::nullopt;
  std::string text;
  if (auto why = read_plugin_file(conf, check, text, max_size))
    return fail(conf, *why);
  std::string why;
  auto parsed = parse_settings(text, conf.string(), why);
  if (!parsed)
    return fail(file, "bad settings", why,
                "fix that line of " + conf.filename().string());
  plugin.settings = std::move(*parsed);
  hash = agent::sha256_hex(text);
  return std::nullopt;
}

// 7. The marker function must agree with the note read in step 3, and set
// no flag this host does not know.
std::variant<const golo_plugin_info *, LoadError> read_marker(
    boost::dll::shared_library &lib, const fs::path &file,
    const ElfFacts &facts) {
  if (!lib.has(GOLO_PLUGIN_MAGIC_SYMBOL))
    return fail(file, "not a golo plugin",
                "the file has the golo note but no " GOLO_PLUGIN_MAGIC_SYMBOL
                " symbol",
                "add GOLO_PLUGIN(...) from golo/plugin.h");
  auto magic = lib.get<const golo_plugin_info *()>(GOLO_PLUGIN_MAGIC_SYMBOL);
  const golo_plugin_info *info = magic();
  if (info == nullptr || info->size < offsetof(golo_plugin_info, name))
    return fail(file, "ABI marker is malformed",
                "golo_plugin_magic() returned NULL or a short struct",
                "rebuild with GOLO_PLUGIN(...)");
  if (info->abi_version != facts.note_abi_version)
    return fail(file, "ABI marker disagrees with the file's golo note",
                "golo_plugin_magic() says ABI " +
                    std::to_string(info->abi_version) + ", the note says ABI " +
                    std::to_string(facts.note_abi_version),
                "rebuild with GOLO_PLUGIN(...)");
  // A flag this host does not know is a promise it cannot keep (a newer
  // header's "never call from two threads", say): refuse rather than ignore.
  if (const std::uint32_t unknown = info->flags & ~GOLO_PLUGIN_KNOWN_FLAGS) {
    char bits[16];
    std::snprintf(bits, sizeof bits, "0x%x", unknown);
    return fail(file,
                std::string("unknown flag bits ") + bits +
                    " in GOLO_PLUGIN(.flags = ...)",
                "this host knows GOLO_PLUGIN_SERIAL (0x1) only",
                "rebuild against the plugin.h of the host's release");
  }
  return info;
}

// 8. The trigger, and golo_shutdown when there is one.
std::optional<LoadError> entry_points(boost::dll::shared_library &lib,
                                      const fs::path &file, TriggerFn &trigger,
                                      ShutdownFn &shutdown) {
  if (!lib.has(GOLO_TRIGGER_SYMBOL))
    return fail(file, "no " GOLO_TRIGGER_SYMBOL " symbol",
                "a plugin must export int golo_trigger(const golo_context *, "
                "golo_response *)",
                "check its spelling, that it is not static, and extern \"C\" "
                "in C++ (nm -D shows what the file exports)");
  trigger = reinterpret_cast<TriggerFn>(lib.get<void()>(GOLO_TRIGGER_SYMBOL));
  if (lib.has(GOLO_SHUTDOWN_SYMBOL))
    shutdown =
        reinterpret_cast<ShutdownFn>(lib.get<void()>(GOLO_SHUTDOWN_SYMBOL));
  return std::nullopt;
}

// What the marker says of the plugin, its strings made safe for every
// Response (valid UTF-8, bounded).
void describe(const golo_plugin_info &info, PluginMetadata &meta) {
  const bool has_name =
      info.size >= offsetof(golo_plugin_info, name) + sizeof(info.name);
  const bool has_version =
      info.size >= offsetof(golo_plugin_info, version) + sizeof(info.version);
  meta.name = has_name && info.name
                  ? agent::utf8_bounded(info.name, GOLO_MAX_TAG_BYTES)
                  : meta.job;
  meta.version = has_version && info.version
                     ? agent::utf8_bounded(info.version, GOLO_MAX_TAG_BYTES)
                     : "";
  meta.abi_version = info.abi_version;
  meta.serial = (info.flags & GOLO_PLUGIN_SERIAL) != 0;
  // ABI 1.2's executor: absent in older plugins' shorter struct (threads).
  // A serial plugin holds a lock across its call, which a parked fiber
  // would hold against its own loop: it stays on threads.
  const bool has_executor =
      info.size >= offsetof(golo_plugin_info, executor) + sizeof(info.executor);
  meta.fibers =
      has_executor && info.executor == GOLO_EXECUTOR_FIBERS && !meta.serial;
}

// 9. golo_init, on a thread of its own, waited for up to `timeout`. Past
// it the call may still return, or never: its plugin object and library
// must stay valid for it, so both are abandoned, not freed.
std::optional<LoadError> init_with_timeout(boost::dll::shared_library &lib,
                                           std::unique_ptr<golo_plugin> &plugin,
                                           const PluginMetadata &meta,
                                           const fs::path &file,
                                           std::chrono::milliseconds timeout,
                                           void *&state) {
  if (!lib.has(GOLO_INIT_SYMBOL)) return std::nullopt;
  auto init = reinterpret_cast<int (*)(const golo_init_args *, void **)>(
      lib.get<void()>(GOLO_INIT_SYMBOL));
  auto call = std::make_shared<InitCall>();
  call->job = meta.job;
  call->args.size = sizeof call->args;
  call->args.host = host_table();
  call->args.plugin = plugin.get();
  call->args.job_name = call->job.c_str();
  try {
    std::thread([call, init, board_id = meta.board_id] {
      void *st = nullptr;
      int rc;
      {
        worker::CallScope scope(board_id, board::Entry::kInit);
        rc = init(&call->args, &st);
      }
      std::lock_guard lock(call->m);
      call->rc = rc;
      call->state = st;
      call->done = true;
      call->cv.notify_all();
    }).detach();
  } catch (const std::system_error &e) {
    return fail(file, "cannot start a thread for golo_init", e.what());
  }
  std::unique_lock lock(call->m);
  if (!call->cv.wait_for(lock, timeout, [&] { return call->done; })) {
    (void)plugin.release();
    // Kept reachable, never destroyed: no exit-time dlclose under a call
    // that may still be running.
    static auto *abandoned = new std::vector<boost::dll::shared_library>;
    static std::mutex abandoned_mutex;
    std::lock_guard abandoned_lock(abandoned_mutex);
    abandoned->push_back(std::move(lib));
    return fail(file,
                "golo_init did not return within " +
                    fmt::format("{:g}", timeout.count() / 1000.0) +
                    " s (--init-timeout)",
                "the load is abandoned; the supervisor replaces the worker "
                "if the call stays stuck",
                "bound golo_init's waits (a connection that never answers, "
                "a deadlock)");
  }
  state = call->state;
  // A plugin that installs its own SIGSEGV handler turns every later
  // crash into a spin: the worker's handlers are put back, and said so.
  for (int sig : worker::board_restore_handlers())
    spdlog::warn(
        "plugin \"{}\": golo_init replaced the worker's {} handler; "
        "restored (a plugin may not handle fatal signals)",
        agent::printable(meta.job),
        sigabbrev_np(sig) ? sigabbrev_np(sig) : "signal");
  if (call->rc != 0)
    return fail(file, "init failed (returned " + std::to_string(call->rc) + ")",
                plugin->init_error);
  return std::nullopt;
}

}  // namespace

std::variant<std::shared_ptr<LoadedGeneration>, LoadError> PluginLoader::load(
    const fs::path &file, const std::string &job, std::uint64_t generation) {
  // 1. Read the whole file once, through a descriptor that passed the owner
  // and mode checks: what we check, hash and copy is exactly what we load,
  // even if someone rewrites the file meanwhile.
  const bool check = !options_.allow_unsafe_permissions;
  std::string bytes;
  if (auto why = read_plugin_file(file, check, bytes, options_.max_file_size))
    return fail(file, *why);
  // 2. A whole ELF shared object for this machine, so that dlopen never maps
  // a truncated file (SIGBUS) or says "No such file" about another machine's.
  auto elf = check_elf(bytes);
  if (auto *why = std::get_if<std::string>(&elf)) return fail(file, *why);
  const ElfFacts facts = std::get<ElfFacts>(elf);
  if (auto error = check_note(file, facts)) return *error;  // 3.
  auto plugin = std::make_unique<golo_plugin>();
  plugin->job = job;
  std::string settings_hash;
  if (auto error = read_settings(file, check, options_.max_file_size, *plugin,
                                 settings_hash))  // 4.
    return *error;
  // 5. A private copy: dlopen caches by path and inode, so a rebuilt file at
  // the same path would otherwise come back as the old handle. Unlinked once
  // mapped, so nothing is left on disk whatever happens later.
  const std::string copy_name = job + "." + std::to_string(generation) + "." +
                                std::to_string(++copies_) + ".so";
  if (auto why = private_dir_->write(copy_name, bytes)) return fail(file, *why);
  const fs::path copy = private_dir_->path() / copy_name;
  // 6. dlopen: bind everything now (a missing symbol fails here, not
  // mid-test) and locally (two generations must not answer for each other).
  // The crash board learns of this version before any of its code runs
  // (dlopen runs its constructors).
  const std::string file_sha256 = agent::sha256_hex(bytes);
  const std::uint32_t board_id = worker::board_register_version(
      job, generation, file_sha256, file.string());
  boost::dll::shared_library lib;
  boost::dll::fs::error_code ec;
  dlerror();
  {
    worker::CallScope scope(board_id, board::Entry::kLoad);
    lib.load(
        copy,
        boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
        ec);
  }
  const char *dl_reason = ec ? dlerror() : nullptr;
  private_dir_->remove(copy_name);
  if (!lib.is_loaded())
    return fail(file, "cannot load", dl_reason ? dl_reason : "dlopen failed",
                "ldd shows a library missing on this machine; -Wl,-z,defs "
                "finds an undefined symbol at build time");
  const auto [code_begin, code_end] = code_range(lib.native());
  worker::board_set_code_range(board_id, code_begin, code_end);
  auto marker = read_marker(lib, file, facts);  // 7.
  if (auto *error = std::get_if<LoadError>(&marker)) return *error;
  TriggerFn trigger = nullptr;
  ShutdownFn shutdown = nullptr;
  if (auto error = entry_points(lib, file, trigger, shutdown)) return *error;
  PluginMetadata meta;
  meta.job = job;
  meta.file = file.string();
  describe(*std::get<const golo_plugin_info *>(marker), meta);
  meta.sha256 = file_sha256;
  meta.board_id = board_id;
  meta.settings_sha256 = settings_hash;
  meta.generation = generation;
  meta.loaded_at = std::chrono::system_clock::now();
  // 9. init, last: on failure the library is closed without shutdown.
  void *state = nullptr;
  if (auto error =
          init_with_timeout(lib, plugin, meta, file, init_timeout_, state))
    return *error;
  return std::make_shared<LoadedGeneration>(std::move(lib), std::move(plugin),
                                            std::move(meta), trigger, shutdown,
                                            state);
}

}  // namespace golo::host
