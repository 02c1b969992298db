/* A plugin whose golo_trigger recurses without end (the depth comes from a
 * volatile, so the compiler cannot see it): a stack overflow. The crash
 * handler must still run (on the thread's alternate signal stack) and name
 * this plugin, even while other jobs' calls are in flight. */
#include <golo/plugin.h>

GOLO_PLUGIN(.name = "recursion");

static volatile long limit = -1; /* never reached */

static long deeper(volatile char *up, long n) {
  volatile char frame[256];
  frame[0] = (char)n;
  frame[255] = up ? up[0] : 0;
  if (n == limit) return frame[0];
  return deeper(frame, n + 1) + frame[1];
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  (void)ctx;
  (void)resp;
  return (int)deeper(0, 0);
}
