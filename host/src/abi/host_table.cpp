#include "abi/host_table.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string_view>

#include "abi/data_access.h"
#include "abi/go_format.h"
#include "abi/response.h"
#include "abi/run_calls.h"
#include "abi/sequence_id.h"
#include "golo/agent/utf8.h"
#include "golo/wire/address.h"
#include "http/http_api.h"
#include "tcp/tcp_api.h"

namespace golo::host {

// plugin.h's GOLO_DEFAULT_RPC_ADDR promises plugins the host's default.
static_assert(std::string_view(GOLO_DEFAULT_RPC_ADDR) ==
              wire::kDefaultHostAddress);

namespace {

// Every function in the table is noexcept: it is called from a plugin's C
// frames, which an exception must never unwind (that is undefined, and
// would skip the plugin's cleanup). Should one escape anyway (bad_alloc),
// the process stops here, at the host's frame, and the supervisor names the
// plugin.

// Plugins may hand NULL where a string belongs: treat it as empty, never
// crash. Texts go to proto strings and JSON, so they are cut between
// characters, and an ill-formed one is repaired into scratch (valid ones,
// the usual case, cost no copy). strnlen reads one byte past the limit, so
// utf8_cut can see whether the cut falls inside a character.
std::string_view bounded(const char *s, std::size_t limit,
                         std::string &scratch) {
  if (s == nullptr) return {};
  std::string_view v(s, strnlen(s, limit + 1));
  v = v.substr(0, agent::utf8_cut(v, limit));
  if (agent::utf8_valid(v)) return v;
  scratch = agent::utf8_repair(v);
  return scratch;
}

void set_id(golo_response *r, const char *id) noexcept {
  std::string scratch;
  if (r) r->id = bounded(id, GOLO_MAX_TAG_BYTES, scratch);
}

void set_output(golo_response *r, const char *data, std::size_t len) noexcept {
  if (!r) return;
  if (data == nullptr) {
    r->output.clear();
    r->output_truncated = false;
    return;
  }
  // The exact bytes, kept for Response.outputBytes; cut between characters.
  r->output_truncated = len > GOLO_MAX_OUTPUT_BYTES;
  r->output.assign(data, agent::utf8_cut(std::string_view(data, len),
                                         GOLO_MAX_OUTPUT_BYTES));
}

void set_error(golo_response *r, int failed) noexcept {
  if (r) r->error = failed != 0;
}

void set_failure(golo_response *r, const char *message) noexcept {
  std::string scratch;
  if (r) r->failure = bounded(message, GOLO_MAX_TAG_BYTES, scratch);
}

void add_tag(golo_response *r, const char *key,
             std::string_view value) noexcept {
  if (!r) return;
  if (r->tags.size() >= GOLO_MAX_TAGS) {
    ++r->tags_dropped;
    return;
  }
  std::string scratch;
  r->tags.add(bounded(key, GOLO_MAX_TAG_BYTES, scratch), value);
}

void add_tag_string(golo_response *r, const char *key,
                    const char *value) noexcept {
  std::string scratch;
  add_tag(r, key, bounded(value, GOLO_MAX_TAG_BYTES, scratch));
}
void add_tag_int(golo_response *r, const char *key, int64_t v) noexcept {
  add_tag(r, key, go_format_int(v));
}
void add_tag_uint(golo_response *r, const char *key, uint64_t v) noexcept {
  add_tag(r, key, go_format_uint(v));
}
void add_tag_float(golo_response *r, const char *key, double v) noexcept {
  add_tag(r, key, go_format_float(v));
}
void add_tag_bool(golo_response *r, const char *key, int v) noexcept {
  add_tag(r, key, go_format_bool(v != 0));
}

int sequence_id(char out[GOLO_SEQUENCE_ID_SIZE]) noexcept {
  if (out == nullptr) return -1;
  return new_sequence_id(out) ? 0 : -1;
}

void log(const golo_plugin *self, int level, const char *message) noexcept {
  const std::string job = self ? self->job : std::string("?");
  std::string scratch;
  const std::string text(bounded(message, GOLO_MAX_OUTPUT_BYTES, scratch));
  switch (level) {
    case GOLO_LOG_DEBUG:
      spdlog::debug("plugin {}: {}", job, text);
      break;
    case GOLO_LOG_INFO:
      spdlog::info("plugin {}: {}", job, text);
      break;
    case GOLO_LOG_WARN:
      spdlog::warn("plugin {}: {}", job, text);
      break;
    default:
      spdlog::error("plugin {}: {}", job, text);
      break;
  }
}

const char *setting(const golo_plugin *self, const char *key) noexcept {
  if (self == nullptr || key == nullptr) return nullptr;
  auto it = self->settings.find(key);
  // The map is never modified after load, so the pointer stays valid until
  // the plugin is unloaded, as the header promises.
  return it == self->settings.end() ? nullptr : it->second.c_str();
}

void set_init_error(golo_plugin *self, const char *message) noexcept {
  std::string scratch;
  if (self) self->init_error = bounded(message, GOLO_MAX_TAG_BYTES, scratch);
}

static_assert(GOLO_MAX_STEP_NAMES == agent::kMaxStepNames,
              "the header's limit is the recorder's");

// ABI 1.1. A step or check that cannot be counted under its name is
// dropped, never renamed: counted on the response and logged once.
void drop(golo_response &r, bool step, const char *why) {
  ++(step ? r.steps_dropped : r.checks_dropped);
  r.drop_reason = why;
}

void add_step(golo_response *r, const char *name, int64_t duration_ns,
              int failed) noexcept {
  if (!r) return;
  if (name == nullptr || *name == '\0')
    return drop(*r, true, "a step with a NULL or empty name");
  if (duration_ns < 0) return drop(*r, true, "a step with a negative duration");
  if (r->steps.size() >= GOLO_MAX_STEPS)
    return drop(*r, true, "steps past GOLO_MAX_STEPS on one response");
  std::string scratch;
  auto &step = r->steps.add();
  step.name.assign(bounded(name, GOLO_MAX_STEP_NAME_BYTES, scratch));
  step.duration_ns = duration_ns;
  step.failed = failed != 0;
  step.status = 0;
}

int64_t monotonic_ns() noexcept {
  // steady_clock is CLOCK_MONOTONIC, the clock the executor times with.
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void add_check(golo_response *r, const char *name, int passed) noexcept {
  if (!r) return;
  if (name == nullptr || *name == '\0')
    return drop(*r, false, "a check with a NULL or empty name");
  if (r->checks.size() >= GOLO_MAX_STEPS)
    return drop(*r, false, "checks past GOLO_MAX_STEPS on one response");
  std::string scratch;
  auto &check = r->checks.add();
  check.name.assign(bounded(name, GOLO_MAX_STEP_NAME_BYTES, scratch));
  check.passed = passed != 0;
}

constexpr golo_host_api kTable = {
    .size = sizeof(golo_host_api),
    .abi_version = GOLO_ABI_VERSION,
    .abi_minor = GOLO_ABI_MINOR,
    .set_id = set_id,
    .set_output = set_output,
    .set_error = set_error,
    .set_failure = set_failure,
    .add_tag_string = add_tag_string,
    .add_tag_int = add_tag_int,
    .add_tag_uint = add_tag_uint,
    .add_tag_float = add_tag_float,
    .add_tag_bool = add_tag_bool,
    .new_sequence_id = sequence_id,
    .log = log,
    .setting = setting,
    .set_init_error = set_init_error,
    .add_step = add_step,
    .monotonic_ns = monotonic_ns,
    .add_check = add_check,
    .data = data_value,
    .http = http::http_call,
    .http_header = http::http_header,
    .sleep = sleep_call,
    .env = env_call,
    .tcp_open = tcp::tcp_open,
    .tcp_send = tcp::tcp_send,
    .tcp_recv = tcp::tcp_recv,
    .tcp_close = tcp::tcp_close,
    .tcp_error = tcp::tcp_error,
};

}  // namespace

const golo_host_api *host_table() { return &kTable; }

void note_dropped_tags(golo_plugin &plugin, std::uint64_t generation,
                       const golo_response &resp) {
  if (resp.tags_dropped == 0 ||
      plugin.tags_drop_logged.exchange(true, std::memory_order_relaxed))
    return;
  spdlog::warn(
      "plugin {} (generation {}): a response had {} tag(s) past the limit of "
      "{}; they were dropped (logged once per job and reload)",
      plugin.job, generation, resp.tags_dropped, GOLO_MAX_TAGS);
}

void note_dropped_steps(golo_plugin &plugin, std::uint64_t generation,
                        const golo_response &resp) {
  if ((resp.steps_dropped == 0 && resp.checks_dropped == 0) ||
      plugin.steps_drop_logged.exchange(true, std::memory_order_relaxed))
    return;
  spdlog::warn(
      "plugin {} (generation {}): a response dropped {} step(s) and {} "
      "check(s), the last for {} (at most {} of each per response, names of "
      "1 to {} bytes, durations >= 0); they are counted in steps_dropped and "
      "checks_dropped (logged once per job and reload)",
      plugin.job, generation, resp.steps_dropped, resp.checks_dropped,
      resp.drop_reason ? resp.drop_reason : "?", GOLO_MAX_STEPS,
      GOLO_MAX_STEP_NAME_BYTES);
}

}  // namespace golo::host
