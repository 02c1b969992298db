/* Hot reload: built twice, as version_a.so (-DGOLO_TEST_VERSION="a") and
 * version_b.so ("b"). Install one over the other as NAME.so to see which
 * generation answers. Output: the version letter; tag version = the letter.
 * Setting sleep_ms (default 0) keeps calls in flight across a reload;
 * setting gate (a path) keeps each call in flight until that file exists
 * (at most 60 s), so a test under load decides when they end.
 * golo_shutdown appends "shutdown <version> <calls>\n" to the file named by
 * $GOLO_TEST_SHUTDOWN_LOG, when set, so a test sees when each generation was
 * drained and how many calls it served. */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c99 */

#include <errno.h>
#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifndef GOLO_TEST_VERSION
#error "build with -DGOLO_TEST_VERSION=\"a\" (or \"b\")"
#endif

GOLO_PLUGIN(.name = "version", .version = GOLO_TEST_VERSION);

typedef struct version_state {
  long sleep_ms;
  char gate[512];           /* "" when unset */
  unsigned long long calls; /* __atomic only */
} version_state;

int golo_init(const golo_init_args *args, void **state) {
  const char *ms = args->host->setting(args->plugin, "sleep_ms");
  version_state *s = calloc(1, sizeof *s);
  if (s == NULL) {
    args->host->set_init_error(args->plugin, "out of memory");
    return 1;
  }
  s->sleep_ms = ms != NULL ? strtol(ms, NULL, 10) : 0;
  const char *gate = args->host->setting(args->plugin, "gate");
  if (gate != NULL) snprintf(s->gate, sizeof s->gate, "%s", gate);
  *state = s;
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  version_state *s = ctx->state;
  struct timespec left;
  __atomic_add_fetch(&s->calls, 1, __ATOMIC_RELAXED);
  for (int i = 0; s->gate[0] != '\0' && i < 12000; ++i) {
    const struct timespec tick = {0, 5000000L};
    if (access(s->gate, F_OK) == 0) break;
    nanosleep(&tick, NULL);
  }
  if (s->sleep_ms > 0) {
    left.tv_sec = s->sleep_ms / 1000;
    left.tv_nsec = (s->sleep_ms % 1000) * 1000000L;
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
  }
  ctx->host->set_output(resp, GOLO_TEST_VERSION, sizeof GOLO_TEST_VERSION - 1);
  ctx->host->add_tag_string(resp, "version", GOLO_TEST_VERSION);
  return 0;
}

void golo_shutdown(void *state) {
  version_state *s = state;
  const char *path = getenv("GOLO_TEST_SHUTDOWN_LOG");
  FILE *f = path != NULL ? fopen(path, "a") : NULL;
  if (f != NULL) {
    fprintf(f, "shutdown %s %llu\n", GOLO_TEST_VERSION,
            __atomic_load_n(&s->calls, __ATOMIC_RELAXED));
    fclose(f);
  }
  free(s);
}
