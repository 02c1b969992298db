/* Refusal: a library with a constructor and golo_trigger but no
 * GOLO_PLUGIN, e.g. a library built for something else. The host must
 * refuse it from its bytes, before dlopen: the constructor never runs. If it
 * does, it leaves a file at $GOLO_TEST_MARKER_FILE and aborts the process. */
#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void ran(void) {
  const char *marker = getenv("GOLO_TEST_MARKER_FILE");
  if (marker != NULL) {
    FILE *f = fopen(marker, "w");
    if (f != NULL) {
      fputs("constructor_no_marker's constructor ran\n", f);
      fclose(f);
    }
  }
  abort();
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  (void)ctx;
  (void)resp;
  return 0;
}
