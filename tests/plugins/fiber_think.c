/*
 * fiber_think: think time through the host's sleep, as a fiber plugin
 * (GOLO_EXECUTOR_FIBERS); built a second time as thread_think without the
 * field, the same code on threads. Setting think_ms (default 10). Each
 * iteration tags sleep=whole or sleep=stopped by what sleep returned, so a
 * test can tell a wait the stop cut from one that ran out. Setting block_ms
 * (default 0): that long of libc nanosleep first, which a fiber plugin must
 * not do (it blocks its loop: a stall the host reports).
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c99 */
#include <golo/plugin.h>
#include <stdlib.h>
#include <time.h>

#ifdef FIBER_THINK_THREADS
GOLO_PLUGIN(.name = "thread_think", .version = "1.0.0");
#else
GOLO_PLUGIN(.name = "fiber_think", .version = "1.0.0",
            .executor = GOLO_EXECUTOR_FIBERS);
#endif

typedef struct think_state {
  const golo_host_api *host;
  int64_t think_ns, block_ns;
} think_state;

int golo_init(const golo_init_args *args, void **state) {
  think_state *s = calloc(1, sizeof *s);
  const char *ms;
  if (s == NULL) return 1;
  s->host = args->host;
  ms = args->host->setting(args->plugin, "think_ms");
  s->think_ns = (int64_t)((ms ? atof(ms) : 10.0) * 1e6);
  ms = args->host->setting(args->plugin, "block_ms");
  s->block_ns = (int64_t)((ms ? atof(ms) : 0.0) * 1e6);
  *state = s;
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const think_state *s = ctx->state;
  int rc;
  if (s->block_ns > 0) {
    struct timespec t;
    t.tv_sec = (time_t)(s->block_ns / 1000000000);
    t.tv_nsec = (long)(s->block_ns % 1000000000);
    nanosleep(&t, NULL);
  }
  rc = s->host->sleep(ctx, s->think_ns);
  s->host->add_tag_string(resp, "sleep", rc == 0 ? "whole" : "stopped");
  return 0;
}

void golo_shutdown(void *state) { free(state); }
