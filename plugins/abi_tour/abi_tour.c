/*
 * abi_tour: touches every part of the ABI once, as a worked example and a
 * check of the host. Settings (abi_tour.conf):
 *
 *   greeting   = hello   text for the output and the `greeting` tag
 *   fail       = 0       1: every call fails (returns non-zero)
 *   fail_every = 0       N > 0: every Nth call (counted across threads) fails
 *
 * Each call sets a sequence id, the output "<greeting> from <job> #<n>",
 * and one tag of each type: greeting (string), user (int), call (uint),
 * ratio (float, call / 8), even (bool). A failing call returns 2 with the
 * message "abi_tour: call <n> failed as configured".
 */
#define _POSIX_C_SOURCE 200809L

#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GOLO_PLUGIN(.name = "abi_tour", .version = "1.0.0");

typedef struct tour_state {
  const golo_host_api *host; /* kept for logging from shutdown */
  golo_plugin *plugin;
  const char *greeting; /* owned by the host until shutdown returns */
  int fail;
  uint64_t fail_every;
  uint64_t calls; /* shared by every thread; __atomic only */
} tour_state;

static int read_count(const golo_init_args *args, const char *key,
                      uint64_t *out) {
  const char *text = args->host->setting(args->plugin, key);
  char *end = NULL;
  char msg[160];
  *out = 0;
  if (text == NULL) return 0;
  *out = strtoull(text, &end, 10);
  if (end == text || *end != '\0' || text[0] == '-') {
    snprintf(msg, sizeof msg, "setting %s = \"%s\": want a whole number >= 0",
             key, text);
    args->host->set_init_error(args->plugin, msg);
    return -1;
  }
  return 0;
}

int golo_init(const golo_init_args *args, void **state) {
  const golo_host_api *host = args->host;
  tour_state *s = calloc(1, sizeof *s);
  uint64_t fail = 0;
  char msg[256];
  if (s == NULL) {
    host->set_init_error(args->plugin, "out of memory");
    return 1;
  }
  s->host = host;
  s->plugin = args->plugin;
  s->greeting = host->setting(args->plugin, "greeting");
  if (s->greeting == NULL) s->greeting = "hello";
  if (read_count(args, "fail", &fail) != 0 ||
      read_count(args, "fail_every", &s->fail_every) != 0) {
    free(s);
    return 1;
  }
  s->fail = fail != 0;
  snprintf(msg, sizeof msg,
           "abi_tour ready for job %s: host ABI %u.%u, greeting \"%s\", "
           "fail %d, fail_every %llu",
           args->job_name, (unsigned)host->abi_version,
           (unsigned)host->abi_minor, s->greeting, s->fail,
           (unsigned long long)s->fail_every);
  host->log(args->plugin, GOLO_LOG_INFO, msg);
  *state = s;
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *host = ctx->host;
  tour_state *s = ctx->state;
  uint64_t n = __atomic_add_fetch(&s->calls, 1, __ATOMIC_RELAXED);
  char id[GOLO_SEQUENCE_ID_SIZE];
  char out[256];
  int len;

  host->new_sequence_id(id); /* on -1 id holds the default id: still usable */
  host->set_id(resp, id);
  len = snprintf(out, sizeof out, "%s from %s #%llu", s->greeting,
                 ctx->job_name, (unsigned long long)n);
  /* snprintf reports the untruncated length; pass what fits. */
  host->set_output(resp, out,
                   len < (int)sizeof out ? (size_t)len : sizeof out - 1);
  host->add_tag_string(resp, "greeting", s->greeting);
  host->add_tag_int(resp, "user", (int64_t)ctx->user);
  host->add_tag_uint(resp, "call", n);
  host->add_tag_float(resp, "ratio", (double)n / 8.0);
  host->add_tag_bool(resp, "even", n % 2 == 0);

  if (s->fail || (s->fail_every != 0 && n % s->fail_every == 0)) {
    snprintf(out, sizeof out, "abi_tour: call %llu failed as configured",
             (unsigned long long)n);
    host->set_failure(resp, out);
    return 2;
  }
  return 0;
}

void golo_shutdown(void *state) {
  tour_state *s = state;
  char msg[128];
  snprintf(msg, sizeof msg, "abi_tour done after %llu calls",
           (unsigned long long)__atomic_load_n(&s->calls, __ATOMIC_RELAXED));
  s->host->log(s->plugin, GOLO_LOG_INFO, msg);
  free(s);
}
