/* GOLO_PLUGIN as C code expands it, several times under renamed symbols so
 * one test binary can inspect each expansion. */
#include <golo/plugin.h>

#define golo_plugin_magic info_name_only
#define golo_plugin_defined_here_ defined_name_only_
#define golo_note_ note_name_only_
GOLO_PLUGIN(.name = "checkout");
#undef golo_plugin_magic
#undef golo_plugin_defined_here_
#undef golo_note_

#define golo_plugin_magic info_all_fields
#define golo_plugin_defined_here_ defined_all_fields_
#define golo_note_ note_all_fields_
GOLO_PLUGIN(.flags = GOLO_PLUGIN_SERIAL, .name = "legacy", .version = "1.2.0");
#undef golo_plugin_magic
#undef golo_plugin_defined_here_
#undef golo_note_

#define golo_plugin_magic info_flags_zero
#define golo_plugin_defined_here_ defined_flags_zero_
#define golo_note_ note_flags_zero_
GOLO_PLUGIN(.flags = 0);
#undef golo_plugin_magic
#undef golo_plugin_defined_here_
#undef golo_note_

/* The note each expansion wrote, as the host reads it from the file. */
const golo_plugin_note *note_of_name_only(void);
const golo_plugin_note *note_of_all_fields(void);
const golo_plugin_note *note_of_flags_zero(void);
const golo_plugin_note *note_of_name_only(void) { return &note_name_only_; }
const golo_plugin_note *note_of_all_fields(void) { return &note_all_fields_; }
const golo_plugin_note *note_of_flags_zero(void) { return &note_flags_zero_; }

/* A host or test fills only what it knows; the rest must read as zero. */
golo_context designated_context(void);
golo_init_args designated_init_args(void);

golo_context designated_context(void) {
  golo_context c = {.size = sizeof(golo_context)};
  return c;
}

golo_init_args designated_init_args(void) {
  golo_init_args a = {.size = sizeof(golo_init_args)};
  return a;
}
