/* A plugin whose golo_init arms alarm(1) and returns: a second later the
 * worker dies of SIGALRM, outside any call. The host must blame this plugin
 * (its alarm is recorded as it is armed), quarantine it, and not restart
 * the worker forever. */
#include <golo/plugin.h>
#include <unistd.h>

GOLO_PLUGIN(.name = "init_alarm");

int golo_init(const golo_init_args *args, void **state) {
  (void)args;
  (void)state;
  alarm(1);
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  ctx->host->set_output(resp, "fine", 4);
  return 0;
}
