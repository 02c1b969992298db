/* plugin.h compiles alone as strict C99, twice over (include guard), and its
 * macros expand cleanly in C. */
#include <golo/plugin.h>

int golo_header_c99_has_log(const golo_host_api *host);

int golo_header_c99_has_log(const golo_host_api *host) {
  return GOLO_HOST_HAS(host, log) ? 1 : 0;
}

int golo_header_c99_has_user(const golo_context *ctx);

int golo_header_c99_has_user(const golo_context *ctx) {
  return GOLO_CONTEXT_HAS(ctx, user) ? 1 : 0;
}
