// One virtual user as the host keeps it across the user's iterations (ABI
// 1.2): the plugin's user_data slot, and the user's HTTP session (its
// kept-alive connections, cookie jar and TLS sessions), made at its first
// request and closed when the user ends; and its TCP connections
// (host->tcp_*), closed when it ends on a version (tcp_sockets.h).
#pragma once

#include <memory>

#include "http/http_session.h"
#include "tcp/tcp_sockets.h"

namespace golo::host {

struct HostUser {
  void *user_data = nullptr;  // *ctx->user_data
  bool ran = false;           // ran a trigger on its current version
  std::unique_ptr<http::Session> http;
  std::unique_ptr<tcp::Sockets> tcp;  // made at its first tcp call

  http::Session &session() {
    if (!http) http = std::make_unique<http::Session>();
    return *http;
  }
};

}  // namespace golo::host
