/*
 * noop: the smallest possible plugin. It touches nothing and returns 0, so a
 * run against it measures the host's own overhead per call (the benchmark
 * baseline). Build it alone with:
 *
 *   cc -std=c99 -Wall -Wextra -pedantic -Werror -shared -fPIC \
 *      -I plugin-api/include plugins/noop/noop.c -o noop.so
 */
#include <golo/plugin.h>

GOLO_PLUGIN(.name = "noop", .version = "1.0.0",
            .executor = GOLO_EXECUTOR_FIBERS);

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  (void)ctx;
  (void)resp;
  return 0;
}
