// What the dashboard's server hands to browsers: the run's events so far
// (server-sent events, replayed to a page opened late), and the final
// report once made. Written by golo run's control thread, read by the
// server's connection threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace golo::cli::dashboard {

class EventLog {
 public:
  // The most events kept for replay (an hour of seconds and then some):
  // a page opened later sees the last ones.
  static constexpr std::size_t kMaxEvents = 4000;

  // Appends `event` (its name) with `data` (one line of JSON).
  void push(const std::string &event, const std::string &data);
  void set_report(std::string html);
  std::optional<std::string> report() const;
  // Ends every wait() (the server is stopping).
  void close();

  // The events after `next` (an event id; 0 for all) in SSE form, waiting
  // up to `timeout` for one. Advances `next`. False once closed.
  bool wait(std::uint64_t &next, std::string &out,
            std::chrono::milliseconds timeout);

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> events_;  // SSE text, ids first_id_ ...
  std::uint64_t first_id_ = 1;
  std::optional<std::string> report_;
  bool closed_ = false;
};

}  // namespace golo::cli::dashboard
