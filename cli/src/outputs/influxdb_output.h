// --out influxdb=http://HOST:PORT/DB: every second's points, live, to
// InfluxDB's 1.x /write (2.x serves the same through its compatibility
// API; a token in GOLO_INFLUXDB_TOKEN is sent as `Authorization: Token`).
// A thread of its own sends batches and retries; points wait in a bounded
// queue, and when InfluxDB cannot keep up or is gone they are counted as not
// delivered, never waited for: the load never slows down for it.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "output.h"

namespace golo::cli::outputs {

struct InfluxUrl {
  std::string base;  // http://HOST:PORT
  std::string db;
};
// Returns "" or what is wrong with `text`.
std::string parse_influx_url(const std::string &text, InfluxUrl &out);

struct InfluxLimits {
  std::size_t max_queued = 100000;  // points waiting; more are not delivered
  std::size_t batch = 5000;         // points per request
  long connect_timeout_ms = 1000;
  long request_timeout_ms = 3000;
  // At the end, how long the points still queued may take to go out.
  long flush_ms = 5000;
};

class InfluxOutput : public Output {
 public:
  static std::unique_ptr<InfluxOutput> open(const std::string &url,
                                            std::string &error,
                                            InfluxLimits limits = {});
  ~InfluxOutput() override;
  void start(const RunInfo &run) override;
  void second(const Second &s) override;
  std::string finish(const Finished &run) override;

 private:
  InfluxOutput(std::string url, InfluxUrl parsed, InfluxLimits limits);
  void send_loop();
  void stop_sender();

  const std::string url_;
  const std::string write_url_;
  const InfluxLimits limits_;
  std::string token_;
  RunInfo run_;
  std::thread sender_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;  // one line per point
  bool stopping_ = false;
  std::uint64_t delivered_ = 0, undelivered_ = 0;
  std::string last_error_;
};

}  // namespace golo::cli::outputs
