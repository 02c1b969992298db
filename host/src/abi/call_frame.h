// One trigger call as the ABI 1.2 host functions see it: the context the
// plugin was given, the response it fills, its virtual user and its run.
// The frame starts with the golo_context, and the frame of the call running
// on this thread is known (CallFrameScope), so http(ctx, ...) finds its
// user from ctx, and a ctx that is not the running call's is refused.
#pragma once

#include <type_traits>

#include "abi/host_user.h"
#include "abi/run_context.h"
#include "golo/plugin.h"

namespace golo::host {

struct CallFrame {
  golo_context ctx{};             // first: &frame.ctx is the frame
  golo_response *resp = nullptr;  // where http records its steps
  HostUser *user = nullptr;       // never null during a call
  RunContext *run = nullptr;      // null: a single Job.Trigger call
};
static_assert(std::is_standard_layout_v<CallFrame>);

// The frame of the call running on this thread, or null.
CallFrame *current_frame();

// The frame ctx belongs to when it is the running call's, else null.
CallFrame *frame_of(const golo_context *ctx);

// Makes frame the running call's on this thread while the scope lives.
class CallFrameScope {
 public:
  explicit CallFrameScope(CallFrame &frame);
  ~CallFrameScope();
  CallFrameScope(const CallFrameScope &) = delete;
  CallFrameScope &operator=(const CallFrameScope &) = delete;

 private:
  CallFrame *previous_;
};

}  // namespace golo::host
