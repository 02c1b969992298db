/* The largest reply the ABI allows: GOLO_MAX_OUTPUT_BYTES of output that is
 * not UTF-8 at all (every byte 0xFF, so the repaired text is three times as
 * long: 3 MiB, plus the 1 MiB of exact bytes), an id, GOLO_MAX_TAGS tags and
 * GOLO_MAX_STEPS steps and checks, each at its byte limit. The host must
 * still send under 4 MiB: outputBytes whole, output cut between characters
 * and marked outputTextCut, everything else intact. */
#include <golo/plugin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GOLO_PLUGIN(.name = "worst_reply");

/* A NUL-terminated text of len bytes: prefix, then fill. */
static void fill_text(char *buf, size_t len, const char *prefix, char fill) {
  size_t n = strlen(prefix);
  memcpy(buf, prefix, n);
  memset(buf + n, fill, len - n);
  buf[len] = '\0';
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *h = ctx->host;
  char key[GOLO_MAX_TAG_BYTES + 1], value[GOLO_MAX_TAG_BYTES + 1];
  char name[GOLO_MAX_STEP_NAME_BYTES + 1], prefix[16];
  char *out = malloc(GOLO_MAX_OUTPUT_BYTES);
  int i;
  if (out == NULL) {
    h->set_failure(resp, "worst_reply: out of memory");
    return 1;
  }
  memset(out, 0xFF, GOLO_MAX_OUTPUT_BYTES);
  h->set_output(resp, out, GOLO_MAX_OUTPUT_BYTES);
  free(out); /* the host copied it */
  fill_text(value, GOLO_MAX_TAG_BYTES, "id-", 'i');
  h->set_id(resp, value);
  for (i = 0; i < GOLO_MAX_TAGS; ++i) {
    snprintf(prefix, sizeof prefix, "k%02d-", i);
    fill_text(key, GOLO_MAX_TAG_BYTES, prefix, 'k');
    fill_text(value, GOLO_MAX_TAG_BYTES, "v-", 'v');
    h->add_tag_string(resp, key, value);
  }
  for (i = 0; i < GOLO_MAX_STEPS; ++i) {
    snprintf(prefix, sizeof prefix, "s%02d-", i);
    fill_text(name, GOLO_MAX_STEP_NAME_BYTES, prefix, 's');
    h->add_step(resp, name, 1000 + i, 0);
    name[0] = 'c';
    h->add_check(resp, name, 1);
  }
  return 0;
}
