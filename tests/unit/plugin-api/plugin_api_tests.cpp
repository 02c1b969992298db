// Layout and macro facts of plugin.h that plugins and hosts built apart
// from each other rely on.
#include <doctest/doctest.h>
#include <golo/plugin.h>

#include <cstddef>
#include <cstring>
#include <initializer_list>

extern "C" {
const golo_plugin_info *info_name_only(void);
const golo_plugin_info *info_all_fields(void);
const golo_plugin_info *info_flags_zero(void);
golo_context designated_context(void);
golo_init_args designated_init_args(void);
const golo_plugin_note *note_of_name_only(void);
const golo_plugin_note *note_of_all_fields(void);
const golo_plugin_note *note_of_flags_zero(void);
}

namespace {

void set_id(golo_response *, const char *) {}
void log_fn(const golo_plugin *, int, const char *) {}
const char *setting(const golo_plugin *, const char *) { return nullptr; }
void set_init_error(golo_plugin *, const char *) {}
void add_step(golo_response *, const char *, int64_t, int) {}
int64_t monotonic_ns() { return 0; }
void add_check(golo_response *, const char *, int) {}
const char *data(const golo_context *, const char *) { return nullptr; }

// A host table with every member filled in.
golo_host_api full_table() {
  golo_host_api t{};
  t.size = sizeof t;
  t.abi_version = GOLO_ABI_VERSION;
  t.abi_minor = GOLO_ABI_MINOR;
  t.set_id = set_id;
  t.log = log_fn;
  t.setting = setting;
  t.set_init_error = set_init_error;
  t.add_step = add_step;
  t.monotonic_ns = monotonic_ns;
  t.add_check = add_check;
  t.data = data;
  return t;
}

}  // namespace

// ABI 1.0 is frozen: a change here breaks every plugin already built.
// 1.1 appended four members after it, 1.2 nine more (and ctx->user_data).
#if UINTPTR_MAX == 0xffffffffffffffffu
static_assert(sizeof(golo_host_api) == 16 + 26 * 8);
static_assert(offsetof(golo_host_api, tcp_open) == 16 + 21 * 8);
static_assert(offsetof(golo_host_api, tcp_error) == 16 + 25 * 8);
static_assert(offsetof(golo_host_api, http) == 16 + 17 * 8);
static_assert(offsetof(golo_host_api, http_header) == 16 + 18 * 8);
static_assert(offsetof(golo_host_api, sleep) == 16 + 19 * 8);
static_assert(offsetof(golo_host_api, env) == 16 + 20 * 8);
static_assert(offsetof(golo_context, user_data) == 56);
static_assert(sizeof(golo_context) == 64);
static_assert(offsetof(golo_host_api, add_step) == 16 + 13 * 8);
static_assert(offsetof(golo_host_api, monotonic_ns) == 16 + 14 * 8);
static_assert(offsetof(golo_host_api, add_check) == 16 + 15 * 8);
static_assert(offsetof(golo_host_api, data) == 16 + 16 * 8);
static_assert(offsetof(golo_host_api, size) == 0);
static_assert(offsetof(golo_host_api, abi_version) == 8);
static_assert(offsetof(golo_host_api, abi_minor) == 12);
static_assert(offsetof(golo_host_api, set_id) == 16);
static_assert(offsetof(golo_host_api, set_init_error) == 16 + 12 * 8);
static_assert(sizeof(golo_plugin_info) == 40);  // 1.2 appended executor
static_assert(offsetof(golo_plugin_info, executor) == 32);
static_assert(offsetof(golo_plugin_info, abi_version) == 8);
static_assert(offsetof(golo_plugin_info, flags) == 12);
static_assert(offsetof(golo_plugin_info, name) == 16);
static_assert(offsetof(golo_plugin_info, version) == 24);
static_assert(offsetof(golo_context, iteration) == 40);
static_assert(offsetof(golo_context, user) == 48);
static_assert(offsetof(golo_context, reserved) == 52);
static_assert(sizeof(golo_init_args) == 32);
#endif
static_assert(offsetof(golo_host_api, size) == 0);
static_assert(offsetof(golo_plugin_info, size) == 0);
static_assert(offsetof(golo_context, size) == 0);
static_assert(offsetof(golo_init_args, size) == 0);
static_assert(GOLO_SEQUENCE_ID_SIZE == sizeof GOLO_DEFAULT_SEQUENCE_ID);

TEST_CASE("GOLO_HOST_HAS sees every member of a full table") {
  const golo_host_api t = full_table();
  CHECK(GOLO_HOST_HAS(&t, set_id));
  CHECK(GOLO_HOST_HAS(&t, log));
  CHECK(GOLO_HOST_HAS(&t, set_init_error));
  CHECK(GOLO_HOST_HAS(&t, add_step));
  CHECK(GOLO_HOST_HAS(&t, monotonic_ns));
  CHECK(GOLO_HOST_HAS(&t, add_check));
  CHECK(GOLO_HOST_HAS(&t, data));
}

TEST_CASE("GOLO_HOST_HAS: a 1.0 host's table has no steps or checks") {
  golo_host_api t = full_table();
  t.size = offsetof(golo_host_api, add_step);  // as a 1.0 host built it
  t.abi_minor = 0;
  CHECK(GOLO_HOST_HAS(&t, set_init_error));
  CHECK_FALSE(GOLO_HOST_HAS(&t, add_step));
  CHECK_FALSE(GOLO_HOST_HAS(&t, monotonic_ns));
  CHECK_FALSE(GOLO_HOST_HAS(&t, add_check));
  CHECK_FALSE(GOLO_HOST_HAS(&t, data));
}

TEST_CASE("GOLO_HOST_HAS is false past the size of an older host's table") {
  golo_host_api t = full_table();
  // An older host whose table ended after `setting`.
  t.size = offsetof(golo_host_api, set_init_error);
  CHECK(GOLO_HOST_HAS(&t, setting));
  CHECK_FALSE(GOLO_HOST_HAS(&t, set_init_error));
  // A size that covers only part of the member does not count.
  t.size = offsetof(golo_host_api, set_init_error) + 1;
  CHECK_FALSE(GOLO_HOST_HAS(&t, set_init_error));
  t.size = 0;
  CHECK_FALSE(GOLO_HOST_HAS(&t, set_id));
}

TEST_CASE("GOLO_HOST_HAS is false for a null member or a null table") {
  golo_host_api t = full_table();
  t.log = nullptr;
  CHECK_FALSE(GOLO_HOST_HAS(&t, log));
  const golo_host_api *none = nullptr;
  CHECK_FALSE(GOLO_HOST_HAS(none, set_id));
}

TEST_CASE("GOLO_CONTEXT_HAS is false past the size of an older context") {
  golo_context ctx{};
  ctx.size = sizeof ctx;
  CHECK(GOLO_CONTEXT_HAS(&ctx, user));
  CHECK(GOLO_CONTEXT_HAS(&ctx, reserved));
  ctx.size = offsetof(golo_context, user);  // an older host's, say
  CHECK(GOLO_CONTEXT_HAS(&ctx, iteration));
  CHECK_FALSE(GOLO_CONTEXT_HAS(&ctx, user));
  ctx.size = offsetof(golo_context, user) + 1;  // part of it does not count
  CHECK_FALSE(GOLO_CONTEXT_HAS(&ctx, user));
  const golo_context *none = nullptr;
  CHECK_FALSE(GOLO_CONTEXT_HAS(none, job_name));
}

TEST_CASE("GOLO_PLUGIN_KNOWN_FLAGS holds every flag the header defines") {
  CHECK((GOLO_PLUGIN_KNOWN_FLAGS & GOLO_PLUGIN_SERIAL) == GOLO_PLUGIN_SERIAL);
  CHECK((GOLO_PLUGIN_KNOWN_FLAGS & ~GOLO_PLUGIN_SERIAL) == 0u);
}

TEST_CASE("GOLO_PLUGIN fills size and abi_version and zeroes the rest") {
  const golo_plugin_info *info = info_name_only();
  REQUIRE(info != nullptr);
  CHECK(info->size == sizeof(golo_plugin_info));
  CHECK(info->abi_version == GOLO_ABI_VERSION);
  CHECK(info->flags == 0);
  CHECK(std::strcmp(info->name, "checkout") == 0);
  CHECK(info->version == nullptr);
  CHECK(info_name_only() == info);  // one static marker, not a new one
}

TEST_CASE("GOLO_PLUGIN carries flags name and version") {
  const golo_plugin_info *info = info_all_fields();
  CHECK(info->size == sizeof(golo_plugin_info));
  CHECK(info->abi_version == GOLO_ABI_VERSION);
  CHECK(info->flags == GOLO_PLUGIN_SERIAL);
  CHECK(std::strcmp(info->name, "legacy") == 0);
  CHECK(std::strcmp(info->version, "1.2.0") == 0);
}

TEST_CASE("GOLO_PLUGIN with nothing to declare") {
  const golo_plugin_info *info = info_flags_zero();
  CHECK(info->size == sizeof(golo_plugin_info));
  CHECK(info->abi_version == GOLO_ABI_VERSION);
  CHECK(info->flags == 0);
  CHECK(info->name == nullptr);
  CHECK(info->version == nullptr);
}

TEST_CASE("GOLO_PLUGIN writes the ELF note the host reads before dlopen") {
  // The layout is the ELF note's, byte for byte: 12 bytes of header, the
  // name padded to 4 bytes, the descriptor.
  static_assert(sizeof(golo_plugin_note) == 28);
  static_assert(offsetof(golo_plugin_note, name) == 12);
  static_assert(offsetof(golo_plugin_note, abi_version) == 20);
  for (const golo_plugin_note *n :
       {note_of_name_only(), note_of_all_fields(), note_of_flags_zero()}) {
    CHECK(n->namesz == 5);
    CHECK(n->descsz == 8);
    CHECK(n->type == GOLO_NOTE_TYPE);
    CHECK(std::memcmp(n->name, "golo\0\0\0\0", 8) == 0);
    CHECK(n->abi_version == GOLO_ABI_VERSION);
    CHECK(n->abi_minor == GOLO_ABI_MINOR);
  }
}

TEST_CASE("designated initializers in C leave unnamed members zero") {
  const golo_context ctx = designated_context();
  CHECK(ctx.size == sizeof(golo_context));
  CHECK(ctx.host == nullptr);
  CHECK(ctx.plugin == nullptr);
  CHECK(ctx.state == nullptr);
  CHECK(ctx.job_name == nullptr);
  CHECK(ctx.iteration == 0);
  CHECK(ctx.user == 0);
  CHECK(ctx.reserved == 0);
  const golo_init_args args = designated_init_args();
  CHECK(args.size == sizeof(golo_init_args));
  CHECK(args.host == nullptr);
  CHECK(args.job_name == nullptr);
}
