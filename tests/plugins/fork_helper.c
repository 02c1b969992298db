/* A plugin that forks a helper process which sleeps for a minute and keeps
 * every descriptor of the worker (the listening socket, the ready pipe, the
 * board). When the worker is replaced, or golo-host stops, the helper must
 * be gone: no new connection may reach it, and the port must be free. */
#define _POSIX_C_SOURCE 200809L
#include <golo/plugin.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

GOLO_PLUGIN(.name = "fork_helper");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  char out[32];
  const pid_t pid = fork();
  if (pid == 0) {
    struct timespec ts = {60, 0};
    nanosleep(&ts, NULL);
    _exit(0);
  }
  snprintf(out, sizeof out, "%d", (int)pid);
  ctx->host->set_output(resp, out, strlen(out));
  return pid > 0 ? 0 : 1;
}
