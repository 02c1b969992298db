/* A plugin exactly as built against ABI 1.0: its note says minor 0 (the
 * header is 1.1, so the minor is set back by hand) and it uses only 1.0's
 * functions. A 1.1 host must load and run it unchanged: output "1.0 here",
 * tag abi=1.0. */
#include <golo/plugin.h>

#undef GOLO_ABI_MINOR
#define GOLO_ABI_MINOR 0

GOLO_PLUGIN(.name = "abi_1_0", .version = "1.0.0");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  static const char text[] = "1.0 here";
  ctx->host->set_output(resp, text, sizeof text - 1);
  ctx->host->add_tag_string(resp, "abi", "1.0");
  return 0;
}
