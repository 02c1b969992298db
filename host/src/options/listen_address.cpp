#include "options/listen_address.h"

namespace golo::host {

namespace {

bool split(const std::string &a, std::string &host, std::string &port) {
  if (!a.empty() && a[0] == '[') {
    const auto close = a.find("]:");
    if (close == std::string::npos) return false;
    host = a.substr(1, close - 1);
    port = a.substr(close + 2);
  } else {
    const auto colon = a.rfind(':');
    if (colon == std::string::npos) return false;
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
  }
  return !port.empty();
}

}  // namespace

bool resolve_listen_address(const std::string &flag, const std::string &address,
                            ListenAddress &out, std::string &error) {
  if (!split(address, out.host, out.port)) {
    error = flag + " " + address + ": want HOST:PORT (e.g. 127.0.0.1:9999)";
    return false;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo *res = nullptr;
  if (const int rc = getaddrinfo(out.host.empty() ? nullptr : out.host.c_str(),
                                 out.port.c_str(), &hints, &res);
      rc != 0) {
    error = flag + " " + address + ": " + gai_strerror(rc);
    return false;
  }
  out.resolved.reset(res);
  return true;
}

}  // namespace golo::host
