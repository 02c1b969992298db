#include "abi/run_calls.h"

#include <thread>

#include "abi/call_frame.h"

namespace golo::host {
namespace {
thread_local CallFrame *t_frame = nullptr;
}  // namespace

CallFrame *current_frame() { return t_frame; }

CallFrame *frame_of(const golo_context *ctx) {
  return ctx != nullptr && t_frame != nullptr && ctx == &t_frame->ctx ? t_frame
                                                                      : nullptr;
}

CallFrameScope::CallFrameScope(CallFrame &frame) : previous_(t_frame) {
  t_frame = &frame;
}
CallFrameScope::~CallFrameScope() { t_frame = previous_; }

int sleep_call(const golo_context *ctx, std::int64_t ns) noexcept try {
  CallFrame *frame = frame_of(ctx);
  if (ns <= 0)
    return frame && frame->run && frame->run->stopping() ? GOLO_HTTP_STOPPED
                                                         : 0;
  if (frame == nullptr || frame->run == nullptr) {
    // A single Job.Trigger call has no run to stop it.
    std::this_thread::sleep_for(std::chrono::nanoseconds(ns));
    return 0;
  }
  return frame->run->sleep_for(ns) ? 0 : GOLO_HTTP_STOPPED;
} catch (...) {
  return 0;
}

const char *env_call(const golo_context *ctx, const char *key) noexcept {
  CallFrame *frame = frame_of(ctx);
  if (frame == nullptr || frame->run == nullptr) return nullptr;
  return frame->run->env(key);
}

}  // namespace golo::host
