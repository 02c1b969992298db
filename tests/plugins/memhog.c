/* A plugin that allocates without bound: golo_trigger takes 16 MiB at a
 * time, touches every page and never frees, as a leak under load does.
 * Like most C code it does not check malloc's result, so under golo-host's
 * --max-memory the first NULL makes it crash in its own call, where the
 * host can name it. Without a limit the kernel's OOM killer ends it. */
#include <golo/plugin.h>
#include <stdlib.h>
#include <string.h>

GOLO_PLUGIN(.name = "memhog");

/* Each chunk links to the one before, so no compiler drops the stores. */
static void *volatile kept;

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  (void)ctx;
  (void)resp;
  const size_t chunk = 16u << 20;
  for (;;) {
    char *p = malloc(chunk);
    memset(p, 1, chunk);
    *(void **)p = kept;
    kept = p;
  }
}
