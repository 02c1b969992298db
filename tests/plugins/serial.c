/* ABI edge: GOLO_PLUGIN_SERIAL. Each call sleeps 20 ms holding an in-flight
 * count; if it ever sees another call inside, it sets the error flag and the
 * output "concurrent entry" (otherwise the output is "ok"). Drive it from
 * many threads: no response may carry the error. */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c99 */

#include <golo/plugin.h>
#include <string.h>
#include <time.h>

GOLO_PLUGIN(.flags = GOLO_PLUGIN_SERIAL, .name = "serial");

static int in_flight; /* __atomic only */

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  struct timespec nap = {0, 20 * 1000 * 1000};
  int overlap = __atomic_add_fetch(&in_flight, 1, __ATOMIC_SEQ_CST) != 1;
  nanosleep(&nap, NULL);
  /* Someone may also have entered while we slept. */
  overlap |= __atomic_load_n(&in_flight, __ATOMIC_SEQ_CST) != 1;
  __atomic_sub_fetch(&in_flight, 1, __ATOMIC_SEQ_CST);
  if (overlap) {
    ctx->host->set_error(resp, 1);
    ctx->host->set_output(resp, "concurrent entry", 16);
  } else {
    ctx->host->set_output(resp, "ok", 2);
  }
  return 0;
}
