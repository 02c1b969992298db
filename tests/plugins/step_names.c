/* Steps and checks by name from the run's data (issue 22, item 4): each
 * iteration reads the column `steps`, a list of items "K" or "K!" separated
 * by spaces, and for each adds the step "step K" lasting K+1 us (failed
 * with '!') and the check "check K" (failed with '!'). So a data file
 * decides exactly how often each name runs, on which host (mode unique),
 * and the test knows every count. No data (a Trigger call): an error. */
#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>

GOLO_PLUGIN(.name = "step_names");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *host = ctx->host;
  const char *items =
      GOLO_HOST_HAS(host, data) ? host->data(ctx, "steps") : NULL;
  char name[32];
  if (items == NULL) {
    host->set_error(resp, 1);
    return 0;
  }
  while (*items != '\0') {
    char *end = NULL;
    const unsigned long k = strtoul(items, &end, 10);
    int failed = 0;
    if (end == items) { /* not a number: skip the character */
      ++items;
      continue;
    }
    if (*end == '!') {
      failed = 1;
      ++end;
    }
    snprintf(name, sizeof name, "step %lu", k);
    host->add_step(resp, name, (int64_t)(k + 1) * 1000, failed);
    snprintf(name, sizeof name, "check %lu", k);
    host->add_check(resp, name, !failed);
    items = end;
  }
  return 0;
}
