// One virtual user's TCP connections for host->tcp_* (ABI 1.2): handles
// the plugin holds, each a PlainConnection (the HTTP client's socket, so
// both wait the same way: blocking in slices on a thread, parked on a
// fiber), and the text of the user's latest failed call. Made at the user's
// first tcp_open; dropped (every connection closed) when the user ends.
// Used by the user's thread or fiber only, never shared.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "http/plain_connection.h"

namespace golo::host::tcp {

class Sockets {
 public:
  // The open connection behind handle, or nullptr.
  http::PlainConnection *find(int handle);
  // Takes c; its handle (never one this user has held before).
  int add(std::unique_ptr<http::PlainConnection> c);
  // Closes handle; false when this user does not hold it.
  bool close(int handle);
  std::size_t open() const { return open_.size(); }

  // The latest call's failure, "" after a success.
  std::string &error() { return error_; }

 private:
  struct Entry {
    int handle;
    std::unique_ptr<http::PlainConnection> connection;
  };
  std::vector<Entry> open_;
  int next_ = 1;
  std::string error_;
};

}  // namespace golo::host::tcp
