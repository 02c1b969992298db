/* For the fleet's common start: on its first call, writes the wall-clock
 * time (CLOCK_REALTIME, ns since the epoch) to the file named by the setting
 * stamp_file. Every call succeeds. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c99 */

#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

GOLO_PLUGIN(.name = "first_call");

static char stamp_file[4096];
static int stamped; /* __atomic only */

int golo_init(const golo_init_args *args, void **state) {
  const char *path = args->host->setting(args->plugin, "stamp_file");
  (void)state;
  if (!path || strlen(path) >= sizeof stamp_file) {
    args->host->set_init_error(args->plugin, "stamp_file: missing or long");
    return 1;
  }
  strcpy(stamp_file, path);
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (__atomic_exchange_n(&stamped, 1, __ATOMIC_SEQ_CST) == 0) {
    FILE *f = fopen(stamp_file, "w");
    if (f) {
      fprintf(f, "%lld\n", (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
      fclose(f);
    }
  }
  (void)ctx;
  (void)resp;
  return 0;
}
