/* Steps and checks the host must refuse without crashing, counting each.
 * Every call reports:
 *   steps:  NULL name, "" and a negative duration (3 dropped); one name of
 *           300 bytes (kept, cut to GOLO_MAX_STEP_NAME_BYTES); 65 x "many"
 *           (63 kept: the response's limit is GOLO_MAX_STEPS = 64 steps; 2
 *           dropped). So 64 kept, 5 dropped.
 *   checks: NULL name and "" (2 dropped); "fine" passed (kept).
 * The host logs the drops once per loaded version. */
#include <golo/plugin.h>
#include <string.h>

GOLO_PLUGIN(.name = "steps_misuse");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *h = ctx->host;
  char long_name[301];
  int i;
  memset(long_name, 'L', 300);
  long_name[300] = '\0';
  h->add_step(resp, NULL, 1000, 0);
  h->add_step(resp, "", 1000, 0);
  h->add_step(resp, "negative", -5, 0);
  h->add_step(resp, long_name, 1000, 0);
  for (i = 0; i < 65; ++i) h->add_step(resp, "many", 1000, i % 2);
  h->add_check(resp, NULL, 1);
  h->add_check(resp, "", 0);
  h->add_check(resp, "fine", 1);
  return 0;
}
