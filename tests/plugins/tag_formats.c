/* ABI edge: tag value formatting (Go's %v, as plugin.h lists it). Every tag's
 * key is the exact text its value must read as, so a test only checks
 * key == value for each of the 17 tags, in order. */
#include <golo/plugin.h>
#include <math.h>

GOLO_PLUGIN(.name = "tag_formats");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const golo_host_api *h = ctx->host;
  h->add_tag_string(resp, "as is", "as is");
  h->add_tag_int(resp, "-12", -12);
  h->add_tag_int(resp, "-9223372036854775808", INT64_MIN);
  h->add_tag_uint(resp, "18446744073709551615", UINT64_MAX);
  h->add_tag_float(resp, "0.5", 0.5);
  h->add_tag_float(resp, "123456", 123456.0);
  h->add_tag_float(resp, "1.234567e+06", 1234567.0);
  h->add_tag_float(resp, "1e+06", 1e6);
  h->add_tag_float(resp, "1.5e-05", 1.5e-5);
  h->add_tag_float(resp, "0.0001", 1e-4);
  h->add_tag_float(resp, "0.1", 0.1);
  h->add_tag_float(resp, "+Inf", HUGE_VAL);
  h->add_tag_float(resp, "-Inf", -HUGE_VAL);
  h->add_tag_float(resp, "NaN", NAN);
  h->add_tag_bool(resp, "true", 2); /* any non-zero is true */
  h->add_tag_bool(resp, "false", 0);
  h->add_tag_float(resp, "-0", -0.0);
  return 0;
}
