/* Readiness: golo_init takes 400 ms. A host must not report itself ready
 * (systemd's READY=1, a serving port) before this init has returned. */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c99 */
#include <golo/plugin.h>
#include <time.h>

GOLO_PLUGIN(.name = "slow_init");

int golo_init(const golo_init_args *args, void **state) {
  struct timespec ts = {0, 400 * 1000000L};
  (void)args;
  (void)state;
  nanosleep(&ts, NULL);
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  ctx->host->set_output(resp, "initialised", 11);
  return 0;
}
