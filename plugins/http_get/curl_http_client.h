// Every URL the plain client does not take (https://, credentials, other
// schemes) goes through libcurl's easy interface: one handle per calling
// thread, so its connection stays alive between calls.
#pragma once

#include <curl/curl.h>

#include "http_client.h"

namespace golo::http_get {

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const RequestSpec &spec);
  ~CurlHttpClient() override;
  CurlHttpClient(const CurlHttpClient &) = delete;
  CurlHttpClient &operator=(const CurlHttpClient &) = delete;

  bool ok() const { return curl_ != nullptr; }
  void perform(HttpResult &r) override;

 private:
  CURL *curl_;
  std::uint64_t body_bytes_ = 0;
  char errbuf_[CURL_ERROR_SIZE] = {};
};

}  // namespace golo::http_get
