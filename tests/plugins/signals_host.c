/* A plugin that tries to stop its host: golo_trigger sends SIGTERM to the
 * supervisor through the raw system call (no wrapper can refuse it), to its
 * own process group with kill(0, ...), SIGSTOP and SIGKILL to the
 * supervisor with kill(), and returns 0. The host must keep serving: the
 * supervisor ignores signals from its worker's tree, the worker ignores
 * stop signals its own code sends, kill() to the supervisor is refused. */
#define _GNU_SOURCE
#include <golo/plugin.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

GOLO_PLUGIN(.name = "signals_host");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  char out[64];
  const int stop = kill(getppid(), SIGSTOP);
  const int dead = kill(getppid(), SIGKILL);
  syscall(SYS_kill, getppid(), SIGTERM);
  kill(0, SIGTERM);
  snprintf(out, sizeof out, "stop=%d kill=%d", stop, dead);
  ctx->host->set_output(resp, out, strlen(out));
  return 0;
}
