/* ABI edge: more tags than GOLO_MAX_TAGS and tags past GOLO_MAX_TAG_BYTES.
 * Adds 100 tags: first "big" with a 5000-byte key of 'k' and an 8000-byte
 * value of 'v' (kept, both cut to 4096 bytes), then "t1".."t99" = 1..99 of
 * which the host keeps t1..t63 (64 tags in all) and logs the drop. */
#include <golo/plugin.h>
#include <stdio.h>
#include <string.h>

GOLO_PLUGIN(.name = "huge_tags");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  char key[5001], value[8001], name[16];
  int i;
  memset(key, 'k', sizeof key - 1);
  key[sizeof key - 1] = '\0';
  memset(value, 'v', sizeof value - 1);
  value[sizeof value - 1] = '\0';
  ctx->host->add_tag_string(resp, key, value);
  for (i = 1; i <= 99; ++i) {
    snprintf(name, sizeof name, "t%d", i);
    ctx->host->add_tag_int(resp, name, i);
  }
  return 0;
}
