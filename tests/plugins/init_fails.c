/* Refusal: golo_init returns 1 with set_init_error("database unreachable").
 * The host must report that reason with the file name, never call the
 * trigger, and not call golo_shutdown; if it does call shutdown, a line
 * "shutdown init_fails" goes to $GOLO_TEST_SHUTDOWN_LOG (when set). */
#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>

GOLO_PLUGIN(.name = "init_fails");

int golo_init(const golo_init_args *args, void **state) {
  (void)state;
  args->host->set_init_error(args->plugin, "database unreachable");
  return 1;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  ctx->host->set_output(resp, "trigger ran after a failed init", 31);
  return 0;
}

void golo_shutdown(void *state) {
  const char *path = getenv("GOLO_TEST_SHUTDOWN_LOG");
  FILE *f = path != NULL ? fopen(path, "a") : NULL;
  (void)state;
  if (f == NULL) return;
  fputs("shutdown init_fails\n", f);
  fclose(f);
}
