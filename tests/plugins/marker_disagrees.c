/* Refusal: the file's golo note says ABI 1 but golo_plugin_magic() says ABI
 * 2, as a hand-edited or half-rebuilt plugin could. The host loads it (the
 * note is fine) and must then refuse it before golo_init, naming both. */
#include <golo/plugin.h>

static const golo_plugin_note note GOLO_NOTE_ATTRIBUTES = {
    sizeof(GOLO_NOTE_NAME), 8, GOLO_NOTE_TYPE, GOLO_NOTE_NAME, 1, 0};

GOLO_EXPORT const golo_plugin_info *golo_plugin_magic(void);

const golo_plugin_info *golo_plugin_magic(void) {
  static const golo_plugin_info info = {sizeof(golo_plugin_info), 2,       0,
                                        "marker_disagrees",       "1.0.0", 0};
  return &info;
}

int golo_init(const golo_init_args *args, void **state) {
  (void)state;
  args->host->set_init_error(args->plugin, "marker_disagrees: golo_init ran");
  return 1;
}

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  (void)ctx;
  (void)resp;
  return 0;
}
