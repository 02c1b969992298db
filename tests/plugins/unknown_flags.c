/* Refusal: a flag bit this host does not know (as a plugin built against a
 * newer header might set). The host must refuse the load, naming the bits,
 * rather than ignore a promise it cannot keep; golo_init must not run. */
#include <golo/plugin.h>

GOLO_PLUGIN(.flags = 0x80u | GOLO_PLUGIN_SERIAL, .name = "unknown_flags");

int golo_init(const golo_init_args *args, void **state) {
  (void)state;
  args->host->set_init_error(args->plugin,
                             "unknown_flags: golo_init ran despite flag 0x80");
  return 1;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  (void)ctx;
  (void)resp;
  return 0;
}
