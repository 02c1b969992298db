/* A plugin that writes to a socket whose peer has closed, without
 * MSG_NOSIGNAL: the write must fail with EPIPE (the worker ignores SIGPIPE),
 * not kill the worker. Output: "EPIPE" when it did. */
#define _GNU_SOURCE
#include <errno.h>
#include <golo/plugin.h>
#include <sys/socket.h>
#include <unistd.h>

GOLO_PLUGIN(.name = "sigpipe");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  int sv[2];
  ssize_t n;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  close(sv[1]);
  n = write(sv[0], "x", 1);
  close(sv[0]);
  if (n < 0 && errno == EPIPE) {
    ctx->host->set_output(resp, "EPIPE", 5);
    return 0;
  }
  return 1;
}
