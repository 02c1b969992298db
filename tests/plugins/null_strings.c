/* ABI edge: NULL for every string the host accepts: set_id(NULL),
 * set_output(NULL, 10) (NULL clears whatever len says), add_tag_string with
 * a NULL key and a NULL value (both read as ""), add_tag_int with a NULL
 * key, and set_failure(NULL). Returns 0, or 5 when the setting fail = 1, so
 * the host's default failure message ("returned 5") is exercised too.
 * Expected response: empty id, empty output, tags {"" = ""}, {"" = "1"}. */
#include <golo/plugin.h>
#include <string.h>

GOLO_PLUGIN(.name = "null_strings");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *host = ctx->host;
  const char *fail = host->setting(ctx->plugin, "fail");
  host->set_id(resp, NULL);
  host->set_output(resp, "replaced", 8);
  host->set_output(resp, NULL, 10);
  host->add_tag_string(resp, NULL, NULL);
  host->add_tag_int(resp, NULL, 1);
  host->set_failure(resp, NULL);
  return fail != NULL && strcmp(fail, "1") == 0 ? 5 : 0;
}
