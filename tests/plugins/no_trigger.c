/* Refusal: a valid ABI marker but no golo_trigger. The host must refuse it
 * ("lacks golo_trigger") and go on serving the others. */
#include <golo/plugin.h>

GOLO_PLUGIN(.name = "no_trigger");
