/* A plugin that leaves its worker alive but deaf: golo_trigger sets
 * RLIMIT_NOFILE to 0, so the worker can accept no new connection (every
 * call refused or timed out). The supervisor must notice within 5 s and
 * replace the worker. */
#include <golo/plugin.h>
#include <sys/resource.h>

GOLO_PLUGIN(.name = "deaf");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const struct rlimit none = {0, 0};
  ctx->host->set_output(resp, "deaf", 4);
  return setrlimit(RLIMIT_NOFILE, &none);
}
