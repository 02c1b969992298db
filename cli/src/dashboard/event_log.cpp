#include "dashboard/event_log.h"

namespace golo::cli::dashboard {

void EventLog::push(const std::string &event, const std::string &data) {
  {
    std::lock_guard lock(mutex_);
    const std::uint64_t id = first_id_ + events_.size();
    events_.push_back("id: " + std::to_string(id) + "\nevent: " + event +
                      "\ndata: " + data + "\n\n");
    if (events_.size() > kMaxEvents) {
      events_.pop_front();
      ++first_id_;
    }
  }
  changed_.notify_all();
}

void EventLog::set_report(std::string html) {
  std::lock_guard lock(mutex_);
  report_ = std::move(html);
}

std::optional<std::string> EventLog::report() const {
  std::lock_guard lock(mutex_);
  return report_;
}

void EventLog::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  changed_.notify_all();
}

bool EventLog::wait(std::uint64_t &next, std::string &out,
                    std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto after_last = [&] { return first_id_ + events_.size(); };
  changed_.wait_for(lock, timeout,
                    [&] { return closed_ || next < after_last(); });
  if (closed_) return false;
  // Events dropped from the front are gone: start with the oldest kept.
  if (next < first_id_) next = first_id_;
  for (; next < after_last(); ++next) out += events_[next - first_id_];
  return true;
}

}  // namespace golo::cli::dashboard
