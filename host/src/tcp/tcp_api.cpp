#include "tcp/tcp_api.h"

#include <chrono>
#include <string>
#include <string_view>

#include "abi/call_frame.h"
#include "tcp/tcp_sockets.h"

namespace golo::host::tcp {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kDefaultTimeout = std::chrono::seconds(30);

// The running call's user and run, for a ctx that is the running call's.
struct Call {
  Sockets *sockets = nullptr;  // null: ctx is not the running call's
  const RunContext *run = nullptr;
};

Call call_of(const golo_context *ctx) {
  CallFrame *frame = frame_of(ctx);
  if (frame == nullptr) return {};
  HostUser &user = *frame->user;
  if (!user.tcp) user.tcp = std::make_unique<Sockets>();
  user.tcp->error().clear();
  return {user.tcp.get(), frame->run};
}

int fail(Sockets &s, int error, std::string text) {
  s.error() = std::move(text);
  return error;
}

// The deadline of a call with timeout_ns (0: the default); false when it is
// negative.
bool deadline_of(std::int64_t timeout_ns, Clock::time_point &at) {
  if (timeout_ns < 0) return false;
  at = Clock::now() + (timeout_ns == 0
                           ? Clock::duration(kDefaultTimeout)
                           : std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::nanoseconds(timeout_ns)));
  return true;
}

// http's class for a failure, as tcp's (the negative of it).
int error_of(const http::IoError &e) {
  if (e.closed) return GOLO_TCP_CLOSED;
  switch (e.error) {
    case GOLO_HTTP_REFUSED:
    case GOLO_HTTP_TIMEOUT:
    case GOLO_HTTP_DNS:
    case GOLO_HTTP_STOPPED:
      return -e.error;
    default:
      return GOLO_TCP_OTHER;
  }
}

std::string where(const char *what, int handle) {
  return std::string(what) + " (handle " + std::to_string(handle) + ")";
}

// The connection behind handle, or null with the reason in s.
http::PlainConnection *connection(Sockets &s, const char *what, int handle) {
  http::PlainConnection *c = s.find(handle);
  if (c == nullptr)
    fail(s, GOLO_TCP_INVALID,
         where(what, handle) + ": not a connection this user holds open");
  else if (!c->open())
    fail(s, GOLO_TCP_CLOSED,
         where(what, handle) + ": the connection broke earlier; tcp_close it");
  return c != nullptr && c->open() ? c : nullptr;
}

// A failed send or receive; a broken connection is closed at once (its
// handle stays the plugin's to tcp_close).
int io_failed(Sockets &s, http::PlainConnection &c, const char *what,
              int handle, const http::IoError &e) {
  const int error = error_of(e);
  if (error == GOLO_TCP_CLOSED) c.close();
  return fail(s, error, where(what, handle) + ": " + e.detail);
}

// What a send or a receive checks before any I/O: the running call's user,
// a connection it holds open, a timeout that is not negative. `error` is 0
// when all pass, else the call's return (its text in the user's sockets).
struct Io {
  Call call;
  http::PlainConnection *c = nullptr;
  Clock::time_point deadline;
  int error = 0;
};

Io io_of(const golo_context *ctx, const char *what, int handle,
         std::int64_t timeout_ns) {
  Io io;
  io.call = call_of(ctx);
  if (io.call.sockets == nullptr) {
    io.error = GOLO_TCP_INVALID;
    return io;
  }
  Sockets &s = *io.call.sockets;
  io.c = connection(s, what, handle);
  if (io.c == nullptr)
    io.error = s.find(handle) ? GOLO_TCP_CLOSED : GOLO_TCP_INVALID;
  else if (!deadline_of(timeout_ns, io.deadline))
    io.error =
        fail(s, GOLO_TCP_INVALID, where(what, handle) + ": a negative timeout");
  return io;
}

}  // namespace

int tcp_open(const golo_context *ctx, const char *host, int port,
             std::int64_t timeout_ns, int *handle) noexcept try {
  const Call call = call_of(ctx);
  if (call.sockets == nullptr) return GOLO_TCP_INVALID;
  Sockets &s = *call.sockets;
  Clock::time_point deadline;
  if (handle == nullptr)
    return fail(s, GOLO_TCP_INVALID, "tcp_open: handle is NULL");
  *handle = 0;
  if (host == nullptr || *host == '\0')
    return fail(s, GOLO_TCP_INVALID, "tcp_open: the host is NULL or empty");
  if (port < 1 || port > 65535)
    return fail(s, GOLO_TCP_INVALID,
                "tcp_open: port " + std::to_string(port) +
                    " is not one from 1 to 65535");
  if (!deadline_of(timeout_ns, deadline))
    return fail(s, GOLO_TCP_INVALID, "tcp_open: a negative timeout");
  if (s.open() >= GOLO_TCP_MAX_OPEN)
    return fail(s, GOLO_TCP_INVALID,
                "tcp_open: this user holds " + std::to_string(s.open()) +
                    " connections open, the most GOLO_TCP_MAX_OPEN allows; "
                    "tcp_close those it is done with");
  auto c = std::make_unique<http::PlainConnection>(host, std::to_string(port),
                                                   false);
  http::Times t;
  http::IoError e;
  if (!c->connect(nullptr, deadline, call.run, t, e))
    return fail(s, error_of(e), "tcp_open: " + e.detail);
  *handle = s.add(std::move(c));
  return 0;
} catch (...) {
  return GOLO_TCP_OTHER;  // bad_alloc: never unwind through the plugin
}

std::int64_t tcp_send(const golo_context *ctx, int handle, const void *buf,
                      std::size_t len, std::int64_t timeout_ns) noexcept try {
  const Io io = io_of(ctx, "tcp_send", handle, timeout_ns);
  if (io.error != 0) return io.error;
  Sockets &s = *io.call.sockets;
  if (buf == nullptr && len > 0)
    return fail(s, GOLO_TCP_INVALID,
                where("tcp_send", handle) + ": buf is NULL with len " +
                    std::to_string(len));
  if (len == 0) return 0;
  http::Times t;
  http::IoError e;
  if (!io.c->send(std::string_view(static_cast<const char *>(buf), len), {},
                  io.deadline, io.call.run, t, e))
    return io_failed(s, *io.c, "tcp_send", handle, e);
  return static_cast<std::int64_t>(len);
} catch (...) {
  return GOLO_TCP_OTHER;
}

std::int64_t tcp_recv(const golo_context *ctx, int handle, void *buf,
                      std::size_t cap, std::int64_t timeout_ns) noexcept try {
  const Io io = io_of(ctx, "tcp_recv", handle, timeout_ns);
  if (io.error != 0) return io.error;
  Sockets &s = *io.call.sockets;
  if (buf == nullptr || cap == 0)
    return fail(s, GOLO_TCP_INVALID,
                where("tcp_recv", handle) + ": buf is NULL or cap is 0");
  http::IoError e;
  const long n = io.c->read_into(static_cast<char *>(buf), cap, io.deadline,
                                 io.call.run, e);
  if (n < 0) return io_failed(s, *io.c, "tcp_recv", handle, e);
  return n;
} catch (...) {
  return GOLO_TCP_OTHER;
}

int tcp_close(const golo_context *ctx, int handle) noexcept try {
  const Call call = call_of(ctx);
  if (call.sockets == nullptr) return GOLO_TCP_INVALID;
  if (call.sockets->close(handle)) return 0;
  return fail(
      *call.sockets, GOLO_TCP_INVALID,
      where("tcp_close", handle) + ": not a connection this user holds open");
} catch (...) {
  return GOLO_TCP_INVALID;
}

const char *tcp_error(const golo_context *ctx) noexcept {
  CallFrame *frame = frame_of(ctx);
  if (frame == nullptr)
    return "tcp: ctx is not the golo_trigger call running on this thread";
  return frame->user->tcp ? frame->user->tcp->error().c_str() : "";
}

}  // namespace golo::host::tcp
