#include "tcp/tcp_sockets.h"

#include <algorithm>
#include <climits>

namespace golo::host::tcp {

http::PlainConnection *Sockets::find(int handle) {
  for (auto &e : open_)
    if (e.handle == handle) return e.connection.get();
  return nullptr;
}

int Sockets::add(std::unique_ptr<http::PlainConnection> c) {
  // Never a handle used before (until 2^31 opens), so a stale one a plugin
  // kept after closing it fails instead of reaching a newer connection.
  const auto after = [](int h) { return h == INT_MAX ? 1 : h + 1; };
  int handle = next_;
  while (find(handle) != nullptr) handle = after(handle);
  next_ = after(handle);
  open_.push_back({handle, std::move(c)});
  return handle;
}

bool Sockets::close(int handle) {
  const auto it = std::find_if(open_.begin(), open_.end(), [&](const Entry &e) {
    return e.handle == handle;
  });
  if (it == open_.end()) return false;
  open_.erase(it);
  return true;
}

}  // namespace golo::host::tcp
