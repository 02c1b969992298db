// systemd's readiness protocol (sd_notify(3)) without libsystemd: one
// datagram per state change to the AF_UNIX socket named by $NOTIFY_SOCKET
// (a path, or an abstract name when it starts with '@'). Under Type=notify
// the unit counts as started only once "READY=1" arrives, so units ordered
// after golo-host start once it serves.
#pragma once

#include <string>

namespace golo::supervisor {

class SdNotifier {
 public:
  // Takes $NOTIFY_SOCKET and removes it from the environment, so workers
  // and the plugins they load never see it. Without it, notify() does
  // nothing.
  SdNotifier();
  bool enabled() const { return !socket_.empty(); }
  // Sends state ("READY=1", "STOPPING=1", "STATUS=..."); false with the
  // reason in error when the datagram could not be sent.
  bool notify(const std::string &state, std::string &error) const;

 private:
  std::string socket_;
};

}  // namespace golo::supervisor
