// Gives freed memory back to the system while the worker has no run.
// glibc keeps what was freed inside each thread's arena, so a burst the
// worker no longer holds still counts in its RSS, for as long as the
// worker lives: 96 half-sent 16 MiB calls that gRPC cut under a 64 MiB
// --grpc-memory left a worker 75-490 MiB larger; after malloc_trim it was
// 52-70 MiB above where it started, what the calls not cut still held
// (docs/security.md, "Half-sent messages"). Runs trim as they end
// (runner_service.cpp); this covers what no run frees.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace golo::worker {

class IdleTrim {
 public:
  // Every period, when idle() is true and glibc holds at least growth
  // more free bytes than at its lowest since the last trim: malloc_trim(0).
  // idle() is called on the trim's own thread.
  IdleTrim(std::function<bool()> idle, std::chrono::milliseconds period,
           std::uint64_t growth);
  ~IdleTrim();  // stops the thread
  IdleTrim(const IdleTrim &) = delete;
  IdleTrim &operator=(const IdleTrim &) = delete;

 private:
  void loop();
  std::function<bool()> idle_;
  const std::chrono::milliseconds period_;
  const std::uint64_t growth_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace golo::worker
