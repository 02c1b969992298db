/* Output and a tag that are not valid UTF-8, with the error flag set so that
 * a run records the output as an error sample. The wire's output must be
 * valid UTF-8 (U+FFFD for each bad sequence) with the exact bytes in
 * outputBytes; results JSON must stay writable. */
#include <golo/plugin.h>

GOLO_PLUGIN(.name = "binary_output");

/* "café", two stray bytes, then a 3-byte character cut after 2 bytes. */
static const char kOutput[] = "caf\xc3\xa9 \xff\xfe end \xe2\x82";

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  ctx->host->set_output(resp, kOutput, sizeof kOutput - 1);
  ctx->host->add_tag_string(resp, "raw", "a\xc0z");
  ctx->host->set_error(resp, 1);
  return 0;
}
