// A plugin written in C++ through the same C ABI: its marker and trigger
// must keep their C names, or the host cannot find them.
#include <golo/plugin.h>

#include <string>

GOLO_PLUGIN(.name = "cxx", .version = "1");

int golo_trigger(const golo_context *ctx, golo_response *resp) {
  const std::string out = std::string("from C++ for ") + ctx->job_name;
  ctx->host->set_output(resp, out.data(), out.size());
  return 0;
}
