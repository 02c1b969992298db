#include "abi/run_calls.h"

#include <thread>

#include "abi/call_frame.h"
#include "abi/data_access.h"
#include "golo/agent/fiber.h"
#include "worker/call_board.h"

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

namespace {

// The thread's per-call state belongs to whichever fiber runs: this one's is
// put aside while it is parked and put back when it resumes.
class KeptCall {
 public:
  KeptCall()
      : frame_(t_frame),
        data_(current_data()),
        call_(worker::board_park_call()) {}
  ~KeptCall() {
    worker::board_resume_call(call_);
    restore_data(data_);
    t_frame = frame_;
  }
  KeptCall(const KeptCall &) = delete;
  KeptCall &operator=(const KeptCall &) = delete;

 private:
  CallFrame *const frame_;
  const IterationData *const data_;
  const worker::ParkedCall call_;
};

}  // namespace

bool park_call_until(std::chrono::steady_clock::time_point at) {
  const KeptCall kept;
  return agent::park_until(at);
}

bool park_call_until_ready(int fd, short events,
                           std::chrono::steady_clock::time_point at) {
  const KeptCall kept;
  return agent::park_until_ready(fd, events, at);
}

bool park_call_until_ready(int fd, short events,
                           std::chrono::steady_clock::time_point at,
                           std::uint64_t watch) {
  const KeptCall kept;
  return agent::park_until_ready(fd, events, at, watch);
}

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
  if (agent::on_fiber()) {
    const auto at =
        std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns);
    return park_call_until(at) && !frame->run->stopping() ? 0
                                                          : GOLO_HTTP_STOPPED;
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
