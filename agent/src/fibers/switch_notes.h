// What the sanitizers must be told of each fiber switch. ASan tracks which
// stack is live (without this it takes a fiber's stack for an overflow of
// the loop's and reports false errors); TSan gives each fiber its own
// history (__tsan_create_fiber). Nothing at all in other builds.
#pragma once

#include <boost/context/stack_context.hpp>
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define GOLO_FIBER_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define GOLO_FIBER_TSAN 1
#endif

namespace golo::agent::detail {

// The loop thread's own side: its TSan fiber and, as ASan last saw it, its
// stack.
struct LoopNotes {
  void *tsan = nullptr, *fake = nullptr;
  const void *bottom = nullptr;
  std::size_t size = 0;

  void enter_loop() {
#ifdef GOLO_FIBER_TSAN
    tsan = __tsan_get_current_fiber();
#endif
  }
};

// One task's fiber.
struct SwitchNotes {
  void *tsan = nullptr, *fake = nullptr;
  const void *bottom = nullptr;
  std::size_t size = 0;

  void create() {
#ifdef GOLO_FIBER_TSAN
    tsan = __tsan_create_fiber(0);
#endif
  }
  void destroy() {
#ifdef GOLO_FIBER_TSAN
    if (tsan) __tsan_destroy_fiber(tsan);
    tsan = nullptr;
#endif
  }
  void set_stack(const boost::context::stack_context &s) {
    bottom = static_cast<const char *>(s.sp) - s.size;
    size = s.size;
    fake = nullptr;
  }
  // On the loop, about to switch to this fiber.
  void from_loop(LoopNotes &loop) {
#ifdef GOLO_FIBER_TSAN
    __tsan_switch_to_fiber(tsan, 0);
#endif
#ifdef GOLO_FIBER_ASAN
    __sanitizer_start_switch_fiber(&loop.fake, bottom, size);
#else
    (void)loop;
#endif
  }
  // On the loop, back from this fiber.
  static void back_in_loop(LoopNotes &loop) {
#ifdef GOLO_FIBER_ASAN
    __sanitizer_finish_switch_fiber(loop.fake, nullptr, nullptr);
#else
    (void)loop;
#endif
  }
  // On the fiber, just switched in (first entry or a resume).
  void entered(LoopNotes &loop) {
#ifdef GOLO_FIBER_ASAN
    __sanitizer_finish_switch_fiber(fake, &loop.bottom, &loop.size);
#else
    (void)loop;
#endif
  }
  // On the fiber, about to switch to the loop; for good when it ends.
  void leaving(LoopNotes &loop, bool for_good) {
#ifdef GOLO_FIBER_TSAN
    __tsan_switch_to_fiber(loop.tsan, 0);
#endif
#ifdef GOLO_FIBER_ASAN
    __sanitizer_start_switch_fiber(for_good ? nullptr : &fake, loop.bottom,
                                   loop.size);
#else
    (void)loop;
    (void)for_good;
#endif
  }
};

}  // namespace golo::agent::detail
