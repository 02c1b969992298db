/* A plugin whose own thread ends the process after its call has returned:
 * the first golo_trigger starts a detached thread that calls _exit(3) 300 ms
 * later, while other jobs' calls may be in flight. The host must blame this
 * plugin (the thread is its own), never the job whose call was running, and
 * serve again. */
#define _POSIX_C_SOURCE 200809L
#include <golo/plugin.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

GOLO_PLUGIN(.name = "thread_exit");

static void *later(void *arg) {
  struct timespec ts = {0, 300 * 1000000L};
  (void)arg;
  nanosleep(&ts, NULL);
  _exit(3);
  return NULL;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  pthread_t t;
  if (pthread_create(&t, NULL, later, NULL) != 0) return 1;
  pthread_detach(t);
  ctx->host->set_output(resp, "armed", 5);
  return 0;
}
