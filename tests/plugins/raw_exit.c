/* A plugin whose golo_trigger ends the process with the raw exit_group
 * system call: no wrapper, handler or atexit hook sees it, so the only clue
 * is that its call was the only one in flight. The host must treat it as a
 * suspect (logged), and quarantine it only when it happens a second time. */
#define _GNU_SOURCE
#include <golo/plugin.h>
#include <sys/syscall.h>
#include <unistd.h>

GOLO_PLUGIN(.name = "raw_exit");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  (void)ctx;
  (void)resp;
  syscall(SYS_exit_group, 3);
  return 0;
}
