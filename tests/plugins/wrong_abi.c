/* Refusal: a marker and note claiming ABI 99, built by hand as a plugin
 * from a future release would carry them. The host must refuse it from the
 * note, before dlopen; if it ran golo_init anyway, init fails with a
 * message saying so. */
#include <golo/plugin.h>

static const golo_plugin_note note GOLO_NOTE_ATTRIBUTES = {
    sizeof(GOLO_NOTE_NAME), 8, GOLO_NOTE_TYPE, GOLO_NOTE_NAME, 99, 0};

GOLO_EXPORT const golo_plugin_info *golo_plugin_magic(void);

const golo_plugin_info *golo_plugin_magic(void) {
  static const golo_plugin_info info = {
      sizeof(golo_plugin_info), 99, 0, "wrong_abi", "99.0.0", 0};
  return &info;
}

int golo_init(const golo_init_args *args, void **state) {
  (void)state;
  args->host->set_init_error(args->plugin,
                             "wrong_abi: golo_init ran despite ABI 99");
  return 1;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  (void)ctx;
  (void)resp;
  return 0;
}
