#include "http/curl_on_fiber.h"

#include <curl/curl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "abi/run_calls.h"

namespace golo::host::http {
namespace {

using Clock = std::chrono::steady_clock;
// The longest park without looking at the run: how late an abort is seen.
constexpr std::chrono::milliseconds kSlice{200};

}  // namespace

CurlOnFiber::~CurlOnFiber() {
  if (multi_ != nullptr) curl_multi_cleanup(multi_);  // closes connections
  if (epoll_ >= 0) ::close(epoll_);
}

bool CurlOnFiber::ready() {
  if (multi_ != nullptr) return true;
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) return false;
  multi_ = curl_multi_init();
  if (multi_ == nullptr) return false;
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlOnFiber::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  return true;
}

// curl says which of its sockets to watch for what: kept in this epoll set.
int CurlOnFiber::on_socket(CURL *, int fd, int what, void *self, void *) {
  const int ep = static_cast<CurlOnFiber *>(self)->epoll_;
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0u) |
              ((what & CURL_POLL_OUT) ? EPOLLOUT : 0u);
  ev.data.fd = fd;
  if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0)
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  return 0;
}

// The epoll set is readable: curl acts on each ready socket (and on any
// timer due meanwhile).
void CurlOnFiber::on_ready(int &running) {
  epoll_event evs[8];
  const int n = epoll_wait(epoll_, evs, 8, 0);
  for (int i = 0; i < n; ++i) {
    const std::uint32_t e = evs[i].events;
    const int mask = ((e & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                     ((e & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                     ((e & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
    curl_multi_socket_action(multi_, evs[i].data.fd, mask, &running);
  }
}

int CurlOnFiber::perform(CURL *h, const RunContext *run) {
  if (!ready()) return CURLE_OUT_OF_MEMORY;
  if (curl_multi_add_handle(multi_, h) != CURLM_OK) return CURLE_FAILED_INIT;
  int running = 1;
  curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  CURLcode rc = CURLE_OK;
  while (running > 0) {
    if (run && run->aborting()) {
      rc = CURLE_ABORTED_BY_CALLBACK;  // what on_progress gives on a thread
      break;
    }
    long ms = -1;  // curl's next timer, -1 when it has none
    curl_multi_timeout(multi_, &ms);
    if (ms != 0) {
      const auto wait = ms < 0 ? kSlice
                               : std::min<std::chrono::milliseconds>(
                                     kSlice, std::chrono::milliseconds(ms));
      if (park_call_until_ready(epoll_, POLLIN, Clock::now() + wait)) {
        on_ready(running);
        continue;
      }
    }
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  int left = 0;
  while (CURLMsg *m = curl_multi_info_read(multi_, &left))
    if (m->msg == CURLMSG_DONE && m->easy_handle == h) rc = m->data.result;
  curl_multi_remove_handle(multi_, h);
  return rc;
}

}  // namespace golo::host::http
