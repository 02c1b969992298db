/* ABI edge: 5 MiB of output, past GOLO_MAX_OUTPUT_BYTES (1 MiB). The host
 * must keep exactly the first GOLO_MAX_OUTPUT_BYTES bytes (all 'x') and mark
 * the response truncated. Also sets an id of 5000 'i' bytes, past
 * GOLO_MAX_TAG_BYTES, which the host cuts to 4096. */
#include <golo/plugin.h>
#include <stdlib.h>
#include <string.h>

GOLO_PLUGIN(.name = "huge_output");

#define HUGE_OUTPUT_BYTES (5u * 1024u * 1024u)

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  char *big = malloc(HUGE_OUTPUT_BYTES);
  char id[5001];
  if (big == NULL) {
    ctx->host->set_failure(resp, "huge_output: out of memory");
    return 1;
  }
  memset(big, 'x', HUGE_OUTPUT_BYTES);
  ctx->host->set_output(resp, big, HUGE_OUTPUT_BYTES);
  free(big); /* the host copied it */
  memset(id, 'i', sizeof id - 1);
  id[sizeof id - 1] = '\0';
  ctx->host->set_id(resp, id);
  return 0;
}
