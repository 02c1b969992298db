/* ABI edge: returns 3 without set_failure; the host's message must then say
 * which code the trigger returned. */
#include <golo/plugin.h>

GOLO_PLUGIN(.name = "fails_silently");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  (void)ctx;
  (void)resp;
  return 3;
}
