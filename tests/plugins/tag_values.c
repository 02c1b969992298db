/* Tag cardinality (issue 22): tags each iteration name = v0 ... vN-1 by its
 * number (iteration % N), N from the setting `values` (default 1), and
 * otherwise does nothing, so the host's recording is what is measured. */
#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>

GOLO_PLUGIN(.name = "tag_values");

int golo_init(const golo_init_args *args, void **state) {
  const char *text = args->host->setting(args->plugin, "values");
  char *end = NULL;
  unsigned long long n = text ? strtoull(text, &end, 10) : 1;
  if (text && (end == text || *end != '\0' || n == 0)) {
    args->host->set_init_error(args->plugin,
                               "setting values: want a whole number >= 1");
    return 1;
  }
  *state = (void *)(size_t)n;
  return 0;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const unsigned long long n = (unsigned long long)(size_t)ctx->state;
  char value[24];
  snprintf(value, sizeof value, "v%llu",
           (unsigned long long)ctx->iteration % n);
  ctx->host->add_tag_string(resp, "name", value);
  return 0;
}
