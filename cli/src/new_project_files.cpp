#include "new_project_files.h"

namespace golo::cli {
namespace {

// @NAME@ is the job name, @GOLO_INCLUDE@ the fallback header directory.
constexpr const char *kSource =
    R"golo(/* @NAME@.c: a golo load-test plugin, written by `golo new @NAME@`.
 *
 * golo-host loads @NAME@.so from its plugins directory and calls
 * golo_trigger once per iteration, from many threads at once. The header
 * golo/plugin.h is the whole contract; the guide (docs/plugin-guide.md in
 * golo's sources) explains how the parts fit, section by section.
 *
 * Build: make. Try: make install PLUGINS=DIR (a host's plugins directory),
 * golo reload, then golo run @NAME@.yaml.
 */
#include <golo/plugin.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Required, exactly once: the ABI marker the host checks before running any
 * code of this file (guide section 1). If the trigger must never run on two
 * threads at once, add .flags = GOLO_PLUGIN_SERIAL (guide section 5). */
GOLO_PLUGIN(.name = "@NAME@", .version = "0.1.0");

/* Built by golo_init, handed to every trigger as ctx->state. Read-only after
 * init except `calls`, which is atomic: triggers run concurrently (guide
 * section 5). */
typedef struct @NAME@_state {
  char target[256];          /* the setting "target" (guide section 3) */
  atomic_ullong calls;       /* triggers run by this loaded copy */
  const golo_host_api *host; /* kept for logging in golo_shutdown */
  golo_plugin *plugin;
} @NAME@_state;

/* Optional: once, on one thread, before any trigger. Read settings and
 * build state here; a non-zero return refuses the load with the reason
 * given to set_init_error. */
int golo_init(const golo_init_args *args, void **state) {
  const golo_host_api *host = args->host;
  const char *target = host->setting(args->plugin, "target");
  @NAME@_state *s = calloc(1, sizeof *s);
  if (s == NULL) {
    host->set_init_error(args->plugin, "out of memory");
    return 1;
  }
  if (target == NULL) target = "world"; /* @NAME@.conf may leave it out */
  if (strlen(target) >= sizeof s->target) {
    host->set_init_error(args->plugin, "setting target: over 255 bytes");
    free(s);
    return 1;
  }
  strcpy(s->target, target);
  atomic_init(&s->calls, 0);
  s->host = host;
  s->plugin = args->plugin;
  *state = s;
  return 0;
}

/* Required: one iteration, timed by the host. Replace the body with the
 * load test (a request to s->target, say). ctx->user is the virtual user
 * running the call, ctx->iteration which iteration it is (see
 * golo_context in golo/plugin.h). */
int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *host = ctx->host;
  @NAME@_state *s = ctx->state;
  char id[GOLO_SEQUENCE_ID_SIZE];
  char out[320];
  int len;

  atomic_fetch_add(&s->calls, 1);
  host->new_sequence_id(id); /* go-lo's sequence id for this iteration */
  host->set_id(resp, id);
  len = snprintf(out, sizeof out, "hello, %s (user %u, iteration %llu)",
                 s->target, (unsigned)ctx->user,
                 (unsigned long long)ctx->iteration);
  if (len < 0) {
    /* The call itself failed: the RPC fails, the iteration is an error. */
    host->set_failure(resp, "@NAME@: cannot format the output");
    return 1;
  }
  /* The host copies what it is given: a stack buffer is fine. */
  host->set_output(resp, out, strlen(out));
  /* Tags split golo run's statistics (@NAME@.yaml lists this key). */
  host->add_tag_string(resp, "target", s->target);
  /* A target that answered wrongly is a test result, not a failed call:
   * host->set_error(resp, 1); and still return 0 (guide section 1). */
  return 0;
}

/* Optional: once, after the last trigger of this loaded copy returned (at
 * exit, removal, or when a reload has drained it). Join any threads the
 * plugin started, then free state: the library is unloaded next. */
void golo_shutdown(void *state) {
  @NAME@_state *s = state;
  char line[96];
  snprintf(line, sizeof line, "shutting down after %llu calls",
           (unsigned long long)atomic_load(&s->calls));
  s->host->log(s->plugin, GOLO_LOG_INFO, line);
  free(s);
}
)golo";

constexpr const char *kMakefile =
    R"golo(# Builds @NAME@.so, a golo plugin. Written by `golo new @NAME@`.
#
#   make                         build @NAME@.so
#   make install PLUGINS=DIR     install @NAME@.so and @NAME@.conf into a
#                                host's plugins directory (default: plugins)
#   make clean
#
# golo/plugin.h comes from pkg-config's golo-plugin (golo's package) when
# it is installed, else from GOLO_INCLUDE (the golo this was written by).

GOLO_INCLUDE ?= @GOLO_INCLUDE@
PLUGINS ?= plugins

HAVE_GOLO_PC := $(shell pkg-config --exists golo-plugin 2>/dev/null && echo yes)
ifeq ($(HAVE_GOLO_PC),yes)
GOLO_CFLAGS := $(shell pkg-config --cflags golo-plugin)
else ifneq ($(wildcard $(GOLO_INCLUDE)/golo/plugin.h),)
GOLO_CFLAGS := -I$(GOLO_INCLUDE)
else
$(error golo/plugin.h not found: install golo's package (pkg-config golo-plugin), or make GOLO_INCLUDE=DIR with DIR/golo/plugin.h)
endif

# The guide's flags (section 2). -Werror: a warning in a load test is a bug
# found before the run. C11 for <stdatomic.h>; socket code wants
# -D_POSIX_C_SOURCE=200809L (or C11 with _DEFAULT_SOURCE) and -pthread.
CFLAGS ?= -std=c11 -O2 -g -Wall -Wextra -pedantic -Werror
# Whatever CFLAGS says: a shared object exporting only golo_* (the header
# marks them), every symbol resolved at link time rather than at load.
PLUGIN_FLAGS := -shared -fPIC -fvisibility=hidden -pthread -Wl,-z,defs

@NAME@.so: @NAME@.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(GOLO_CFLAGS) $(PLUGIN_FLAGS) $< -o $@ $(LDFLAGS) $(LDLIBS)

# A new file renamed into place, never a copy over the old one: the host
# has the old file mapped (guide section 7).
install: @NAME@.so
	install -d -m 0755 $(PLUGINS)
	install -m 0755 @NAME@.so $(PLUGINS)/.@NAME@.so.tmp
	mv -f $(PLUGINS)/.@NAME@.so.tmp $(PLUGINS)/@NAME@.so
	install -m 0644 @NAME@.conf $(PLUGINS)/@NAME@.conf

clean:
	rm -f @NAME@.so

.PHONY: install clean
)golo";

constexpr const char *kSettings =
    R"golo(# Settings for @NAME@.so, read by golo_init through host->setting().
# One "key = value" a line; '#' at the start of a line or after a space or
# tab starts a comment. Change a value, then `golo reload`: no rebuild.
target = world   # whom the trigger greets
)golo";

constexpr const char *kSchedule =
    R"golo(# A short schedule for @NAME@: golo run @NAME@.yaml (every key is in
# golo's docs/schedules.md).
version: job:latest
job:
  name: @NAME@      # the plugin file @NAME@.so on the host
  users: 2          # two virtual users...
  duration: 2s      # ...for two seconds,
  pacing: 100ms     # each starting an iteration every 100 ms
  tags: [target]    # split the statistics by the trigger's "target" tag
thresholds:
  - "error_rate < 1%"
  - "p99 < 250ms"
)golo";

// golo new NAME --http URL: the same project around one host->http GET.
constexpr const char *kHttpSource =
    R"golo(/* @NAME@.c: an HTTP load test, written by `golo new @NAME@ --http URL`.
 * Each iteration GETs BASE_URL (env: in @NAME@.yaml, or golo run -e
 * BASE_URL=...) through the host's HTTP client: per-user keep-alive and
 * cookies, every request a step "home" with its phases (guide: "Your first
 * HTTP test"). No libcurl here: the host does HTTP. */
#include <golo/plugin.h>

/* GOLO_EXECUTOR_FIBERS: the trigger waits only in host->http, keeps no state
 * of its own (per-user state would go in ctx->user_data, never in
 * thread-locals), and calls nothing that blocks (no sleep(), no sockets of
 * its own: host->sleep for think time). Its users then run as fibers,
 * thousands per event-loop thread, parked while their requests wait. Break
 * the promise and every other user of the loop waits too (guide: "Users as
 * fibers"); drop the line to run one thread per user. */
GOLO_PLUGIN(.name = "@NAME@", .version = "0.1.0",
            .executor = GOLO_EXECUTOR_FIBERS);

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *host = ctx->host;
  golo_http_request req = {.size = sizeof req};
  golo_http_response res = {.size = sizeof res};
  if (!GOLO_HOST_HAS(host, http)) { /* a host older than ABI 1.2 */
    host->set_failure(resp, "@NAME@ needs golo-host with host->http (1.2)");
    return 1;
  }
  req.url = host->env(ctx, "BASE_URL");
  req.name = "home"; /* the step's name in the results */
  if (req.url == NULL) {
    host->set_failure(resp, "no BASE_URL: set it under env: or with -e");
    return 1;
  }
  host->http(ctx, &req, &res);
  host->add_check(resp, "status is 200", res.status == 200);
  host->add_tag_string(resp, "page", "home");
  if (res.status != 200) host->set_error(resp, 1); /* the test failed */
  return 0;
}
)golo";

constexpr const char *kHttpSettings =
    R"golo(# Settings for @NAME@.so (host->setting, and the host's HTTP client):
# http_ca_file = /path/ca.pem     # trust this CA for https://
# http_insecure_tls = true        # accept any certificate (tests only)
# http2 = true                    # offer HTTP/2 over TLS (through libcurl,
#                                 # which blocks a fiber's loop: see the guide)
)golo";

constexpr const char *kHttpSchedule =
    R"golo(# An HTTP load test: golo run @NAME@.yaml, or against another target
# golo run @NAME@.yaml -e BASE_URL=https://staging.example/ (every key is
# in golo's docs/schedules.md).
version: job:latest
job:
  name: @NAME@        # the plugin file @NAME@.so on the host
  users: 10           # ten virtual users, each with its own connections
  duration: 10s
  pacing: 100ms       # each starting an iteration every 100 ms
  tags: [page]
  env:
    BASE_URL: "@URL@"
thresholds:
  - "p95{step:home} < 500ms"
  - "error_rate{step:home} < 1%"
  - "p95{step:home, phase:wait} < 400ms"
)golo";

std::string fill(std::string text, const std::string &name,
                 const std::string &include_dir, const std::string &url = "") {
  for (const auto &[key, value] :
       {std::pair<std::string, std::string>{"@NAME@", name},
        {"@GOLO_INCLUDE@", include_dir},
        {"@URL@", url}}) {
    for (auto at = text.find(key); at != std::string::npos;
         at = text.find(key, at + value.size()))
      text.replace(at, key.size(), value);
  }
  return text;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> new_project_files(
    const std::string &name, const std::string &include_dir) {
  return {{name + ".c", fill(kSource, name, include_dir)},
          {"Makefile", fill(kMakefile, name, include_dir)},
          {name + ".conf", fill(kSettings, name, include_dir)},
          {name + ".yaml", fill(kSchedule, name, include_dir)}};
}

std::vector<std::pair<std::string, std::string>> new_http_project_files(
    const std::string &name, const std::string &include_dir,
    const std::string &url) {
  return {{name + ".c", fill(kHttpSource, name, include_dir)},
          {"Makefile", fill(kMakefile, name, include_dir)},
          {name + ".conf", fill(kHttpSettings, name, include_dir)},
          {name + ".yaml", fill(kHttpSchedule, name, include_dir, url)}};
}

std::string http_url_problem(const std::string &url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return "--http " + url + ": the URL must start with http:// or https://";
  if (url.size() > 2048) return "--http: the URL is over 2048 characters";
  for (char c : url)
    if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\\' ||
        c == 0x7f)
      return "--http " + url +
             ": the URL holds a space, quote, backslash or control "
             "character (percent-encode it)";
  return "";
}

}  // namespace golo::cli
