#include "http/resolver.h"

#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "abi/run_calls.h"
#include "golo/agent/fiber.h"
#include "golo/plugin.h"

namespace golo::host::http {
namespace {

constexpr auto kSlice = std::chrono::milliseconds(200);  // as a stop is seen
constexpr int kThreads = 4;  // lookups at once; more wait their turn

std::atomic<LookupFn> g_lookup{nullptr};

// One lookup, shared by the fiber waiting for it and the thread doing it
// (which may finish after the fiber gave up: the last owner frees it).
struct Lookup {
  std::string host, port;
  int fd = -1;  // eventfd, written when done
  std::atomic<bool> done{false};
  int rc = 0;
  addrinfo *result = nullptr;
  ~Lookup() {
    if (result != nullptr) freeaddrinfo(result);
    if (fd >= 0) close(fd);
  }
};

addrinfo hints_for(int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags;
  return hints;
}

int lookup(const char *host, const char *port, addrinfo **out) {
  const addrinfo hints = hints_for(0);
  const LookupFn fn = g_lookup.load(std::memory_order_acquire);
  return (fn != nullptr ? fn : getaddrinfo)(host, port, &hints, out);
}

// The resolver threads: started at the first name a fiber looks up, and
// kept (detached, never destroyed) for the worker's life.
class Pool {
 public:
  static Pool &get() {
    static Pool *pool = new Pool;  // never destroyed: threads outlive exit
    return *pool;
  }
  void post(std::shared_ptr<Lookup> l) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(l));
      if (started_ < kThreads && started_ < queue_.size() + busy_) {
        ++started_;
        std::thread([this] { serve(); }).detach();
      }
    }
    wake_.notify_one();
  }

 private:
  void serve() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return !queue_.empty(); });
      auto l = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
      lock.unlock();
      l->rc = lookup(l->host.c_str(), l->port.c_str(), &l->result);
      l->done.store(true, std::memory_order_release);
      const std::uint64_t one = 1;
      [[maybe_unused]] const auto n = write(l->fd, &one, sizeof one);
      l.reset();
      lock.lock();
      --busy_;
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Lookup>> queue_;
  std::size_t started_ = 0, busy_ = 0;
};

void set_error(IoError &e, int error, std::string detail) {
  e.error = error;
  e.detail = std::move(detail);
}

bool answer(int rc, const std::string &host, IoError &e) {
  if (rc == 0) return true;
  set_error(e, GOLO_HTTP_DNS,
            "could not resolve " + host + ": " + gai_strerror(rc));
  return false;
}

// On a fiber: a resolver thread looks the name up while the fiber parks.
bool resolve_parked(const std::string &host, const std::string &port,
                    Clock::time_point deadline, const RunContext *run,
                    addrinfo **out, IoError &e) {
  auto l = std::make_shared<Lookup>();
  l->host = host;
  l->port = port;
  l->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (l->fd < 0) {
    set_error(e, GOLO_HTTP_OTHER, "eventfd: cannot resolve " + host);
    return false;
  }
  Pool::get().post(l);
  while (!l->done.load(std::memory_order_acquire)) {
    if (run && run->aborting()) {
      set_error(e, GOLO_HTTP_STOPPED,
                "the run's graceful stop passed while resolving " + host);
      return false;
    }
    const auto now = Clock::now();
    if (now >= deadline) {
      set_error(e, GOLO_HTTP_TIMEOUT,
                "the timeout passed while resolving " + host);
      return false;
    }
    park_call_until_ready(l->fd, POLLIN, std::min(deadline, now + kSlice));
  }
  if (!answer(l->rc, host, e)) return false;
  *out = l->result;  // the thread is done with it: ours now
  l->result = nullptr;
  return true;
}

}  // namespace

bool resolve(const std::string &host, const std::string &port,
             Clock::time_point deadline, const RunContext *run, addrinfo **out,
             IoError &e) {
  *out = nullptr;
  // A literal address needs no look-up (and no thread).
  const addrinfo numeric = hints_for(AI_NUMERICHOST | AI_NUMERICSERV);
  if (getaddrinfo(host.c_str(), port.c_str(), &numeric, out) == 0) return true;
  *out = nullptr;
  if (agent::on_fiber())
    return resolve_parked(host, port, deadline, run, out, e);
  return answer(lookup(host.c_str(), port.c_str(), out), host, e);
}

void set_lookup_for_tests(LookupFn fn) {
  g_lookup.store(fn, std::memory_order_release);
}

}  // namespace golo::host::http
