#include "plugins/plugin_loader.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "plugins/settings.h"

namespace golo::host {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> read_file(const fs::path &p, std::string &why) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    why = "cannot open: " + std::string(std::strerror(errno));
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

LoadError fail(const fs::path &file, std::string reason) {
  return LoadError{file.string(), std::move(reason)};
}

}  // namespace

std::string sha256_hex(const std::string &bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  return out;
}

PluginLoader::PluginLoader(fs::path private_dir)
    : private_dir_(std::move(private_dir)) {
  fs::create_directories(private_dir_);
}

PluginLoader::~PluginLoader() {
  std::error_code ec;
  fs::remove_all(private_dir_, ec);
}

std::variant<FileFingerprint, LoadError> PluginLoader::fingerprint(
    const fs::path &file) {
  std::string why;
  auto bytes = read_file(file, why);
  if (!bytes) return fail(file, why);
  FileFingerprint fp{sha256_hex(*bytes), {}};
  const auto conf = settings_path(file);
  if (fs::exists(conf)) {
    auto text = read_file(conf, why);
    if (!text) return fail(conf, why);
    fp.settings_sha256 = sha256_hex(*text);
  }
  return fp;
}

std::variant<std::shared_ptr<PluginVersion>, LoadError> PluginLoader::load(
    const fs::path &file, const std::string &job, std::uint64_t generation) {
  // 1. Read the whole file once: what we hash is exactly what we load, even
  // if someone rewrites the file meanwhile.
  std::string why;
  auto bytes = read_file(file, why);
  if (!bytes) return fail(file, why);
  if (bytes->size() < 4 || bytes->compare(0, 4,
                                          "\x7f"
                                          "ELF") != 0)
    return fail(file, "not an ELF shared object (is it a compiled plugin?)");

  // 2. Settings, before any plugin code runs.
  auto plugin = std::make_unique<golo_plugin>();
  plugin->job = job;
  std::string settings_hash;
  const auto conf = settings_path(file);
  if (fs::exists(conf)) {
    auto text = read_file(conf, why);
    if (!text) return fail(conf, why);
    auto parsed = parse_settings(*text, conf.string(), why);
    if (!parsed) return fail(file, "bad settings: " + why);
    plugin->settings = std::move(*parsed);
    settings_hash = sha256_hex(*text);
  }

  // 3. A private copy: dlopen caches by path and inode, so a rebuilt file at
  // the same path would otherwise come back as the old handle. Unlinked once
  // mapped, so nothing is left on disk whatever happens later.
  const fs::path copy =
      private_dir_ / (job + "." + std::to_string(generation) + "." +
                      std::to_string(++copies_) + ".so");
  {
    std::ofstream out(copy, std::ios::binary | std::ios::trunc);
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(copy, ignored);  // leave no partial copy behind
      return fail(file, "cannot write private copy " + copy.string());
    }
  }

  // 4. dlopen: bind everything now (a missing symbol fails here, not
  // mid-test) and locally (two generations must not answer for each other).
  boost::dll::shared_library lib;
  boost::dll::fs::error_code ec;
  dlerror();
  lib.load(copy,
           boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
           ec);
  const char *dl_reason = ec ? dlerror() : nullptr;
  fs::remove(copy, ec);
  if (!lib.is_loaded())
    return fail(file, std::string("cannot load: ") +
                          (dl_reason ? dl_reason : "dlopen failed"));

  // 5. The ABI marker, before running any other code of the plugin.
  if (!lib.has(GOLO_PLUGIN_MAGIC_SYMBOL))
    return fail(file, "not a golo plugin: no " GOLO_PLUGIN_MAGIC_SYMBOL
                      " symbol; add GOLO_PLUGIN(...) from golo/plugin.h");
  auto magic = lib.get<const golo_plugin_info *()>(GOLO_PLUGIN_MAGIC_SYMBOL);
  const golo_plugin_info *info = magic();
  if (info == nullptr || info->size < offsetof(golo_plugin_info, name))
    return fail(file, "ABI marker is malformed: rebuild with GOLO_PLUGIN(...)");
  if (info->abi_version != GOLO_ABI_VERSION)
    return fail(file, "ABI version mismatch: host supports ABI " +
                          std::to_string(GOLO_ABI_VERSION) +
                          ", plugin was built for ABI " +
                          std::to_string(info->abi_version) +
                          "; rebuild against the plugin.h of this release");

  // 6. The trigger.
  if (!lib.has(GOLO_TRIGGER_SYMBOL))
    return fail(file, "no " GOLO_TRIGGER_SYMBOL
                      " symbol: a plugin must export int golo_trigger(const "
                      "golo_context *, golo_response *)");
  auto trigger =
      reinterpret_cast<TriggerFn>(lib.get<void()>(GOLO_TRIGGER_SYMBOL));
  ShutdownFn shutdown = nullptr;
  if (lib.has(GOLO_SHUTDOWN_SYMBOL))
    shutdown =
        reinterpret_cast<ShutdownFn>(lib.get<void()>(GOLO_SHUTDOWN_SYMBOL));

  PluginMetadata meta;
  meta.job = job;
  meta.file = file.string();
  const bool has_name =
      info->size >= offsetof(golo_plugin_info, name) + sizeof(info->name);
  const bool has_version =
      info->size >= offsetof(golo_plugin_info, version) + sizeof(info->version);
  meta.name = has_name && info->name ? info->name : job;
  meta.version = has_version && info->version ? info->version : "";
  meta.abi_version = info->abi_version;
  meta.serial = (info->flags & GOLO_PLUGIN_SERIAL) != 0;
  meta.sha256 = sha256_hex(*bytes);
  meta.settings_sha256 = settings_hash;
  meta.generation = generation;
  meta.loaded_at = std::chrono::system_clock::now();

  // 7. init, last: on failure the library is closed without shutdown.
  void *state = nullptr;
  if (lib.has(GOLO_INIT_SYMBOL)) {
    auto init = reinterpret_cast<int (*)(const golo_init_args *, void **)>(
        lib.get<void()>(GOLO_INIT_SYMBOL));
    golo_init_args args{};
    args.size = sizeof args;
    args.host = host_table();
    args.plugin = plugin.get();
    args.job_name = meta.job.c_str();
    const int rc = init(&args, &state);
    if (rc != 0)
      return fail(file,
                  "init failed (returned " + std::to_string(rc) + ")" +
                      (plugin->init_error.empty() ? std::string()
                                                  : ": " + plugin->init_error));
  }
  return std::make_shared<PluginVersion>(std::move(lib), std::move(plugin),
                                         std::move(meta), trigger, shutdown,
                                         state);
}

}  // namespace golo::host
