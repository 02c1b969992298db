/* Refusal: golo_trigger without GOLO_PLUGIN, e.g. a library built for
 * something else. The host must refuse it before running any of its code. */
#include <golo/plugin.h>

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  (void)ctx;
  (void)resp;
  return 0;
}
