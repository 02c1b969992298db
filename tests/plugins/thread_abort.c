/* A plugin whose own thread fails an assert() (abort() in libc, so the
 * faulting pc is not in the plugin): the first golo_trigger starts a thread
 * that asserts 200 ms later. The host must blame this plugin, whatever the
 * pc, and serve again. */
#define _POSIX_C_SOURCE 200809L
#undef NDEBUG /* the assert is the point */
#include <assert.h>
#include <golo/plugin.h>
#include <pthread.h>
#include <time.h>

GOLO_PLUGIN(.name = "thread_abort");

static void *later(void *arg) {
  struct timespec ts = {0, 200 * 1000000L};
  nanosleep(&ts, NULL);
  assert(arg != NULL);
  return NULL;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  pthread_t t;
  if (pthread_create(&t, NULL, later, NULL) != 0) return 1;
  pthread_detach(t);
  ctx->host->set_output(resp, "armed", 5);
  return 0;
}
