#include "influxdb_output.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>

#include "golo_version.h"
#include "line_protocol.h"

namespace golo::cli::outputs {

namespace {

using Clock = std::chrono::steady_clock;

const char *const kUrlForm = "expected influxdb=http://HOST:PORT/DB";

std::size_t keep_body(char *data, std::size_t size, std::size_t n, void *out) {
  auto *body = static_cast<std::string *>(out);
  if (body->size() < 1024) body->append(data, size * n);  // for the message
  return size * n;
}

struct PostResult {
  bool ok = false;
  bool retry = false;  // worth another try (network, 5xx, 429)
  std::string error;
};

PostResult post(CURL *curl, const std::string &url, const std::string &token,
             const std::string &body, const InfluxLimits &limits) {
  std::string reply;
  curl_slist *headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: text/plain");
  if (!token.empty())
    headers =
        curl_slist_append(headers, ("Authorization: Token " + token).c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, limits.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, limits.request_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Says who writes, for the server's logs.
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "golo/" GOLO_VERSION);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  PostResult out;
  if (rc != CURLE_OK) {
    out.retry = true;
    out.error = curl_easy_strerror(rc);
    return out;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) {
    out.ok = true;
    return out;
  }
  // 4xx other than 429 (bad points, no such database, not allowed) would
  // fail again the same way.
  out.retry = status >= 500 || status == 429;
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r'))
    reply.pop_back();
  out.error = "HTTP " + std::to_string(status) + ": " + reply;
  return out;
}

}  // namespace

std::string parse_influx_url(const std::string &text, InfluxUrl &out) {
  std::string rest;
  std::string scheme;
  for (const char *s : {"http://", "https://"})
    if (text.rfind(s, 0) == 0) {
      scheme = s;
      rest = text.substr(scheme.size());
    }
  if (scheme.empty())
    return "\"" + text + "\" is not an http:// or https:// URL; " + kUrlForm;
  const auto slash = rest.find('/');
  const std::string host = rest.substr(0, slash);
  if (host.empty() || host[0] == ':')
    return "\"" + text + "\" names no host; " + kUrlForm;
  const std::string db =
      slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (db.empty() || db.find_first_of("/?#& ") != std::string::npos)
    return "\"" + text +
           "\" names no database (or more than a name) after "
           "the host; " +
           kUrlForm;
  out = {scheme + host, db};
  return "";
}

std::unique_ptr<InfluxOutput> InfluxOutput::open(const std::string &url,
                                                 std::string &error,
                                                 InfluxLimits limits) {
  InfluxUrl parsed;
  if (std::string e = parse_influx_url(url, parsed); !e.empty()) {
    error = "--out influxdb=" + url + ": " + e;
    return nullptr;
  }
  // Before any thread: curl_global_init is not thread-safe.
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == 0;
  if (!curl_ready) {
    error = "--out influxdb=" + url + ": libcurl failed to initialise";
    return nullptr;
  }
  return std::unique_ptr<InfluxOutput>(new InfluxOutput(url, parsed, limits));
}

InfluxOutput::InfluxOutput(std::string url, InfluxUrl parsed,
                           InfluxLimits limits)
    : url_(std::move(url)),
      write_url_(parsed.base + "/write?db=" + parsed.db + "&precision=ms"),
      limits_(limits) {
  if (const char *t = std::getenv("GOLO_INFLUXDB_TOKEN")) token_ = t;
}

InfluxOutput::~InfluxOutput() { stop_sender(); }

void InfluxOutput::start(const RunInfo &run) {
  run_ = run;
  if (!sender_.joinable()) sender_ = std::thread([this] { send_loop(); });
}

void InfluxOutput::second(const Second &s) {
  std::vector<std::string> lines;
  lines.reserve(s.points.size());
  for (const auto &p : s.points)
    for (auto &l : lines_of(run_, p, s.unix_ms)) lines.push_back(std::move(l));
  {
    std::lock_guard lock(mutex_);
    for (auto &l : lines) {
      if (queue_.size() >= limits_.max_queued) {
        ++undelivered_;  // the newest wait no more: the queue is bounded
        continue;
      }
      queue_.push_back(std::move(l));
    }
  }
  wake_.notify_one();
}

void InfluxOutput::send_loop() {
  CURL *curl = curl_easy_init();
  auto backoff = std::chrono::milliseconds(250);
  Clock::time_point deadline = Clock::time_point::max();
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_ && deadline == Clock::time_point::max())
      deadline = Clock::now() + std::chrono::milliseconds(limits_.flush_ms);
    if (queue_.empty() || !curl) break;
    if (Clock::now() >= deadline) break;
    // Only this thread pops: the front stays put while the batch is sent.
    const std::size_t n = std::min(queue_.size(), limits_.batch);
    std::string body;
    for (std::size_t i = 0; i < n; ++i) body += queue_[i] + '\n';
    lock.unlock();
    const PostResult out = post(curl, write_url_, token_, body, limits_);
    lock.lock();
    if (out.ok || !out.retry) {
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
      (out.ok ? delivered_ : undelivered_) += n;
      if (!out.ok) last_error_ = out.error;
      backoff = std::chrono::milliseconds(250);
      continue;
    }
    last_error_ = out.error;
    // Wait before trying again, less at the end than the time left.
    const auto until = std::min(Clock::now() + backoff, deadline);
    wake_.wait_until(lock, until, [&] {
      return stopping_ && deadline == Clock::time_point::max();
    });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(4000));
  }
  if (!curl) last_error_ = "libcurl could not make a handle";
  undelivered_ += queue_.size();
  queue_.clear();
  lock.unlock();
  if (curl) curl_easy_cleanup(curl);
}

void InfluxOutput::stop_sender() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sender_.joinable()) sender_.join();
}

std::string InfluxOutput::finish(const Finished &) {
  stop_sender();
  std::lock_guard lock(mutex_);
  if (undelivered_ == 0) return "";
  return "influxdb " + url_ + ": " + std::to_string(undelivered_) + " of " +
         std::to_string(undelivered_ + delivered_) +
         " points not delivered (last error: " + last_error_ + ")";
}

}  // namespace golo::cli::outputs
