/* A plugin whose golo_init calls raise(SIGKILL): no handler can record it.
 * The host must blame this plugin on the evidence of the raise (SIGKILL is
 * otherwise never blamed, for the OOM killer's sake), quarantine it and
 * serve without it, at start as after a reload. */
#include <golo/plugin.h>
#include <signal.h>

GOLO_PLUGIN(.name = "init_sigkill");

int golo_init(const golo_init_args *args, void **state) {
  (void)args;
  (void)state;
  raise(SIGKILL);
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  ctx->host->set_output(resp, "fine", 4);
  return 0;
}
