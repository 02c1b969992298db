// The fiber executor's park/resume round trip (issue 23), in ns: USERS
// users (default 1) on one loop, each iteration parking PARKS times on an
// eventfd that is always readable, so each park is the whole trip (switch
// to the loop, epoll_ctl, epoll_pwait2, switch back) with no waiting in it.
// Then a timer 200 ns ahead (park_until(now + 200ns)): a switch to the
// loop, the timer heap, one epoll_pwait2 with no wait shared by every
// fiber due, and the switch back. Then a timer already due
// (park_until(now)), which returns without switching: the call's own cost.
//
//   park_resume [SECONDS] [USERS]     prints one line per mode
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "golo/agent/executor.h"
#include "golo/agent/fiber.h"
#include "golo/agent/schedule.h"

using namespace golo::agent;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kParks = 10000;  // per iteration

struct Parker : IterationRunner {
  int mode = 0;  // 0: eventfd, 1: a timer 200 ns ahead, 2: a due timer
  std::atomic<std::uint64_t> parks{0}, ns{0};
  void run(std::uint32_t, std::uint64_t, IterationOutcome &) override {
    // Each user its own descriptor, as each user's connection is.
    const int fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);
    const auto far = Clock::now() + std::chrono::seconds(10);
    const auto t0 = Clock::now();
    for (int i = 0; i < kParks; ++i) {
      if (mode == 0)
        park_until_ready(fd, POLLIN, far);
      else
        park_until(Clock::now() +
                   std::chrono::nanoseconds(mode == 1 ? 200 : 0));
    }
    const auto t1 = Clock::now();
    close(fd);
    parks.fetch_add(kParks);
    ns.fetch_add(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()));
  }
};

void measure(const char *name, int mode, const std::string &seconds,
             const std::string &users) {
  auto runner = std::make_shared<Parker>();
  runner->mode = mode;
  RunOptions options;
  options.loops = 1;
  run_schedule(Schedule::parse("job: {name: park, users: " + users +
                                   ", duration: " + seconds + "s, pacing: 0}",
                               "park.yaml"),
               runner, options);
  const double per = static_cast<double>(runner->ns.load()) /
                     static_cast<double>(runner->parks.load());
  // With u users on the loop, a round trip of one user also runs the
  // others': the loop's time per park is per / u.
  std::printf("mode=%s users=%s parks=%llu ns_per_park=%.0f\n", name,
              users.c_str(), static_cast<unsigned long long>(runner->parks),
              per / std::stod(users));
}

}  // namespace

int main(int argc, char **argv) {
  const std::string seconds = argc > 1 ? argv[1] : "2";
  const std::string users = argc > 2 ? argv[2] : "1";
  measure("eventfd", 0, seconds, users);
  measure("timer_200ns", 1, seconds, users);
  measure("due_timer", 2, seconds, users);
  return 0;
}
