/* Records every row it is handed (ABI 1.1's data), so that tests can check
 * which rows a run used: each iteration appends "ID USER\n" to the file
 * named by the environment variable GOLO_DATA_LOG (nothing when unset),
 * where ID is data(ctx, "id"), or "-" when data() gives NULL. It also asks
 * for a column no file has: data() must answer NULL (else the iteration is
 * an error) and the host logs that column once per run. Output: the id. */
#define _POSIX_C_SOURCE 200809L /* open, write */

#include <fcntl.h>
#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

GOLO_PLUGIN(.name = "data_rows", .version = "1.0.0");

static int log_fd = -1;

int golo_init(const golo_init_args *args, void **state) {
  const char *path = getenv("GOLO_DATA_LOG");
  (void)state;
  if (path != NULL && *path != '\0') {
    log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      args->host->set_init_error(args->plugin, "cannot open GOLO_DATA_LOG");
      return 1;
    }
  }
  return 0;
}

void golo_shutdown(void *state) {
  (void)state;
  if (log_fd >= 0) close(log_fd);
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *host = ctx->host;
  const char *id = NULL;
  char line[256];
  int n;
  if (GOLO_HOST_HAS(host, data)) {
    id = host->data(ctx, "id");
    if (host->data(ctx, "no_such_column") != NULL) host->set_error(resp, 1);
  }
  if (id == NULL) id = "-";
  host->set_output(resp, id, strlen(id));
  n = snprintf(line, sizeof line, "%s %u\n", id, (unsigned)ctx->user);
  /* One write per line: O_APPEND keeps lines from threads whole. */
  if (log_fd >= 0 && n > 0 && write(log_fd, line, (size_t)n) != n)
    host->set_error(resp, 1);
  return 0;
}
