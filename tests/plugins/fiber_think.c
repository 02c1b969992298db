/*
 * fiber_think: think time through the host's sleep, as a fiber plugin
 * (GOLO_EXECUTOR_FIBERS); built a second time as thread_think without the
 * field, the same code on threads. Setting think_ms (default 10). Each
 * iteration tags sleep=whole or sleep=stopped by what sleep returned, so a
 * test can tell a wait the stop cut from one that ran out.
 */
#include <golo/plugin.h>
#include <stdlib.h>

#ifdef FIBER_THINK_THREADS
GOLO_PLUGIN(.name = "thread_think", .version = "1.0.0");
#else
GOLO_PLUGIN(.name = "fiber_think", .version = "1.0.0",
            .executor = GOLO_EXECUTOR_FIBERS);
#endif

typedef struct think_state {
  const golo_host_api *host;
  int64_t think_ns;
} think_state;

int golo_init(const golo_init_args *args, void **state) {
  think_state *s = calloc(1, sizeof *s);
  const char *ms;
  if (s == NULL) return 1;
  s->host = args->host;
  ms = args->host->setting(args->plugin, "think_ms");
  s->think_ns = (int64_t)((ms ? atof(ms) : 10.0) * 1e6);
  *state = s;
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const think_state *s = ctx->state;
  const int rc = s->host->sleep(ctx, s->think_ns);
  s->host->add_tag_string(resp, "sleep", rc == 0 ? "whole" : "stopped");
  return 0;
}

void golo_shutdown(void *state) { free(state); }
