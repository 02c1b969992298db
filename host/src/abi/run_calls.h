// golo_host_api.sleep and .env (ABI 1.2): think time that gives way to the
// run's stop, and the run's env values.
#pragma once

#include <cstdint>

#include "golo/plugin.h"

namespace golo::host {

int sleep_call(const golo_context *ctx, std::int64_t ns) noexcept;
const char *env_call(const golo_context *ctx, const char *key) noexcept;

}  // namespace golo::host
