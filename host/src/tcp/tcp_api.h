// golo_host_api.tcp_open, tcp_send, tcp_recv, tcp_close and tcp_error
// (ABI 1.2): a virtual user's plain TCP connections (tcp_sockets.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "golo/plugin.h"

namespace golo::host::tcp {

int tcp_open(const golo_context *ctx, const char *host, int port,
             std::int64_t timeout_ns, int *handle) noexcept;
std::int64_t tcp_send(const golo_context *ctx, int handle, const void *buf,
                      std::size_t len, std::int64_t timeout_ns) noexcept;
std::int64_t tcp_recv(const golo_context *ctx, int handle, void *buf,
                      std::size_t cap, std::int64_t timeout_ns) noexcept;
int tcp_close(const golo_context *ctx, int handle) noexcept;
const char *tcp_error(const golo_context *ctx) noexcept;

}  // namespace golo::host::tcp
