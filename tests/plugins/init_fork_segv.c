/* A plugin whose golo_init forks a helper that sleeps (holding the write
 * end of the worker's ready pipe), then crashes. The supervisor must not
 * wait on the pipe: it names the plugin, quarantines it, kills the helper,
 * and serves; SIGTERM still stops it at once. */
#define _POSIX_C_SOURCE 200809L
#include <golo/plugin.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

GOLO_PLUGIN(.name = "init_fork_segv");

int golo_init(const golo_init_args *args, void **state) {
  volatile uintptr_t address = 16;
  (void)args;
  (void)state;
  if (fork() == 0) {
    struct timespec ts = {60, 0};
    nanosleep(&ts, NULL);
    _exit(0);
  }
  *(volatile int *)address = 1;
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  ctx->host->set_output(resp, "fine", 4);
  return 0;
}
