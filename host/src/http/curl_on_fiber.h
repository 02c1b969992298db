// libcurl's transfers (HTTP/2, and users whose cookies curl keeps) on a
// fiber of the fiber executor: the user's own multi handle, driven by
// curl_multi_socket_action, with the fiber parked on an epoll descriptor
// that holds curl's sockets until one is ready or curl's next timer is due.
// curl_easy_perform would block the loop's every user until the answer.
// The multi keeps the user's connections (one per origin, HTTP/2 streams)
// across its iterations, as the easy handle does on a thread.
#pragma once

#include "abi/run_context.h"

typedef void CURL;   // as <curl/curl.h> declares them
typedef void CURLM;  // NOLINT

namespace golo::host::http {

class CurlOnFiber {
 public:
  CurlOnFiber() = default;
  ~CurlOnFiber();
  CurlOnFiber(const CurlOnFiber &) = delete;
  CurlOnFiber &operator=(const CurlOnFiber &) = delete;

  // Runs h's transfer to its end, parked meanwhile; a CURLcode. Once run
  // (may be null) is aborting, the transfer ends with
  // CURLE_ABORTED_BY_CALLBACK within a slice (200 ms), parked or not.
  // Only on a fiber.
  int perform(CURL *h, const RunContext *run);

 private:
  bool ready();
  void on_ready(int &running);
  static int on_socket(CURL *h, int fd, int what, void *self, void *);

  CURLM *multi_ = nullptr;
  int epoll_ = -1;  // curl's sockets, for the loop to watch as one
};

}  // namespace golo::host::http
