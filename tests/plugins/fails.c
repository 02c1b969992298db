/* ABI edge: a failed call. Returns 7 with set_failure("target refused the
 * login"): a Job.Trigger RPC must fail with that message as its status. */
#include <golo/plugin.h>

GOLO_PLUGIN(.name = "fails");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  ctx->host->set_failure(resp, "target refused the login");
  return 7;
}
