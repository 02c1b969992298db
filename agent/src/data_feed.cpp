#include "golo/agent/data_feed.h"

#include <algorithm>

namespace golo::agent {

namespace {

__extension__ typedef unsigned __int128 u128;  // GCC's, for the multiply

std::uint64_t splitmix64(std::uint64_t &state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

DataFeed::DataFeed(std::shared_ptr<const DataTable> table, DataMode mode,
                   DataShare share, std::size_t users)
    : table_(std::move(table)),
      mode_(mode),
      share_(share),
      rows_(table_->rows()),
      // Each host walks the whole file, from its own place in it, so that
      // a fleet spreads over the rows rather than all starting at row 0.
      first_(share.count > 1 ? rows_ * share.index / share.count : 0),
      slots_(std::make_unique<Slot[]>(std::max<std::size_t>(users, 1))),
      users_(users) {
  if (share_.count == 0) share_.count = 1;
  if (share_.index < rows_)
    share_rows_ = (rows_ - share_.index + share_.count - 1) / share_.count;
  // Seeded per host and user, so hosts and users draw different sequences.
  for (std::size_t u = 0; u < users_; ++u)
    slots_[u].random = (share_.index << 32) ^ (u * 0x2545f4914f6cdd1dULL) ^
                       0x6a09e667f3bcc909ULL;
}

bool DataFeed::pick(std::uint32_t user) noexcept {
  if (user >= users_) return false;
  Slot &slot = slots_[user];
  switch (mode_) {
    case DataMode::sequential: {
      const auto n = next_.fetch_add(1, std::memory_order_relaxed);
      slot.row = static_cast<std::size_t>((first_ + n % rows_) % rows_);
      return true;
    }
    case DataMode::random: {
      // Lemire's multiply-shift: uniform up to a bias of rows/2^64.
      const auto x = splitmix64(slot.random);
      slot.row = static_cast<std::size_t>((static_cast<u128>(x) * rows_) >> 64);
      return true;
    }
    case DataMode::unique: {
      // Host i of n takes rows i, i + n, i + 2n, ...: no row twice in the
      // fleet without the hosts talking to each other.
      const auto n = next_.fetch_add(1, std::memory_order_relaxed);
      if (n >= share_rows_) return false;
      slot.row = static_cast<std::size_t>(share_.index + n * share_.count);
      return true;
    }
    case DataMode::per_user: {
      const auto r = share_.first_user + user;
      if (r >= rows_) return false;  // check_data refuses such a run first
      slot.row = static_cast<std::size_t>(r);
      return true;
    }
  }
  return false;
}

std::uint64_t DataFeed::rows_used() const {
  if (mode_ != DataMode::unique) return 0;
  return std::min(next_.load(std::memory_order_relaxed), share_rows_);
}

}  // namespace golo::agent
