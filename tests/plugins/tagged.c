/* Outputs' test plugin: three tag sets in turn, the third flagged as an
 * error, about 1 ms each. The second set's path has a space, a comma and an
 * equals sign, which InfluxDB line protocol must escape and CSV quote. */
#define _POSIX_C_SOURCE 199309L
#include <golo/plugin.h>
#include <stdatomic.h>
#include <time.h>

GOLO_PLUGIN(.name = "tagged");

static atomic_uint_fast64_t calls;

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *h = ctx->host;
  const struct timespec ms = {0, 1000000};
  nanosleep(&ms, NULL);
  switch (atomic_fetch_add(&calls, 1) % 3) {
    case 0:
      h->add_tag_string(resp, "status", "200");
      h->add_tag_string(resp, "path", "/home");
      break;
    case 1:
      h->add_tag_string(resp, "status", "404");
      h->add_tag_string(resp, "path", "/no where,x=1");
      break;
    default:
      h->add_tag_string(resp, "status", "500");
      h->add_tag_string(resp, "path", "/err");
      h->set_error(resp, 1);
      break;
  }
  return 0;
}
