#include "curl_http_client.h"

#include <cstdio>

namespace golo::http_get {
namespace {

// The body is counted, never stored.
std::size_t count_body(char *, std::size_t size, std::size_t n, void *user) {
  *static_cast<std::uint64_t *>(user) += size * n;
  return size * n;
}

}  // namespace

CurlHttpClient::CurlHttpClient(const RequestSpec &spec)
    : curl_(curl_easy_init()) {
  if (curl_ == nullptr) return;
  // The spec outlives this client, and curl copies strings it is given.
  curl_easy_setopt(curl_, CURLOPT_URL, spec.url.c_str());
  curl_easy_setopt(curl_, CURLOPT_USERAGENT, kUserAgent);
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, spec.timeout_ms);
  // Signals would hit whichever thread; curl's threaded resolver needs none.
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errbuf_);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, count_body);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &body_bytes_);
  if (!spec.tls_verify) {
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!spec.ca_file.empty())
    curl_easy_setopt(curl_, CURLOPT_CAINFO, spec.ca_file.c_str());
  if (spec.method == "GET") {
    curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
  } else if (spec.method == "HEAD") {
    curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(spec.body.size()));
    curl_easy_setopt(curl_, CURLOPT_COPYPOSTFIELDS, spec.body.c_str());
    if (spec.method != "POST")
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, spec.method.c_str());
  }
}

CurlHttpClient::~CurlHttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
}

void CurlHttpClient::perform(HttpResult &r) {
  r = HttpResult{};
  errbuf_[0] = '\0';
  body_bytes_ = 0;
  const CURLcode rc = curl_easy_perform(curl_);
  if (rc != CURLE_OK) {
    std::snprintf(r.error, sizeof r.error, "%s: %s", curl_easy_strerror(rc),
                  errbuf_[0] ? errbuf_ : "no detail");
    return;
  }
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &r.status);
  r.body_bytes = body_bytes_;
  r.answered = true;
}

}  // namespace golo::http_get
