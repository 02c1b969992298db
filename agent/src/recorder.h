// Where user threads record their iterations. No lock on the hot path (but
// a writer's own, once per 64 records: PendingRecords) and no allocation
// once a tag set has been seen: users are spread over shards
// (user % shards), each shard holds relaxed atomic counters per tag set, and
// tag sets are ids in a run-wide table that is searched without a lock (a
// hash index over it) and only locked to add a new set (at most
// kMaxHostTagSets times per run).
//
// The counters are per second of the series: a ring of kGenerations sets
// of them, chosen by the second the iteration ended in. The control thread
// closes a second once it has passed (close_second), waits for the records
// of it still in progress, adds the latencies its writers still hold, then
// moves its counters into the run's totals and the second's interval
// (harvest) and recycles them for the second kGenerations later. So each
// iteration is in exactly one second, and the series adds up to the totals by
// construction.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "chunk_pool.h"
#include "golo/agent/histogram.h"
#include "golo/agent/iteration.h"
#include "golo/agent/results.h"
#include "pacing.h"
#include "step_counters.h"

namespace golo::agent::detail {

// A host tells apart more sets than the results name (kMaxResultTagSets):
// the merged results pick theirs by the whole run's counts.
inline constexpr std::size_t kMaxTagSets = kMaxHostTagSets;
inline constexpr std::size_t kOtherId = kMaxTagSets;  // the `_other` set
// Slots of the hash index: a power of two, at most a quarter full.
inline constexpr std::size_t kIndexSlots = 4 * kMaxTagSets;
// Seconds held at once: the one being filled, the one being closed, and
// room for a control thread that falls behind (a user whose second's
// counters are not recycled yet waits for them).
inline constexpr std::size_t kGenerations = 4;
// Sets are recorded in one shard until they prove hot: the first kWideFirst
// sets, `_other`, and any set with kWideAt iterations in a second are
// spread over every shard (from the next second on). A set in one shard
// costs one set's counters, so memory follows the sets, not the shards; but
// a set that cores take turns to record in moves its cache lines from core
// to core on most records, so a set hit a thousand times a second is
// spread (with 1,000 such sets, 15% more iterations a second for 15% more
// memory: bench/README.md's cardinality section).
inline constexpr std::size_t kWideFirst = 16;
inline constexpr std::uint64_t kWideAt = 1'000;

// Up to five distinct error texts with counts, claimed slot by slot.
class ErrorSlots {
 public:
  ErrorSlots() = default;
  explicit ErrorSlots(std::atomic<std::int64_t> * /*meter*/) {}
  void add(std::string_view text);
  void add_to(TagSetStats &out) const;

 private:
  struct Slot {
    std::atomic<int> state{0};  // 0 free, 1 being written, 2 readable
    std::string text;
    std::atomic<std::uint64_t> count{0};
  };
  std::array<Slot, kMaxErrorSamples> slots_;
};

// One tag set's counts in one second and shard. Its iterations are its
// latency histogram's count (each records one latency): a counter less to
// touch per record, which with a thousand sets is a cache miss less.
struct SetCounters {
  AtomicHistogram latency;
  AtomicHistogram corrected;  // closed model: from the intended start
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> missed{0};        // slots its iterations overran
  std::atomic<StepCounters *> steps{nullptr};  // made by the first step/check
  SetCounters() = default;
  SetCounters(std::atomic<std::int64_t> *meter, ChunkPool *pool) {
    latency.set_meter(meter);
    corrected.set_meter(meter);
    latency.set_pool(pool);
    corrected.set_pool(pool);
  }
  ~SetCounters() { delete steps.load(); }
  SetCounters(const SetCounters &) = delete;
  SetCounters &operator=(const SetCounters &) = delete;
};

using SetSlots = std::array<std::atomic<SetCounters *>, kMaxTagSets + 1>;

// Latencies recorded but not yet added to their histograms. An iteration's
// are appended here and added kLen at a time (AtomicHistogram::record_all),
// their cache misses side by side: with a thousand tag sets each record's
// counters are misses, and taken one after the other they cost 40% of the
// iterations a second (bench/README.md, issue 22 item 2's tenth round).
// Each writer (a thread run's user, a fiber run's loop) has its own: it
// appends without a lock and adds under a spin lock that only the control
// thread also takes, once a second, to add what is left before it reads
// the counters (Recorder::add_pending).
class alignas(64) PendingRecords {
 public:
  static constexpr std::size_t kLen = 64;
  // The writer's thread: appends without a lock (the control thread reads
  // only what `size_` has published), and adds them all once full.
  void add(AtomicHistogram &into, std::int64_t value_ns) {
    const std::size_t n = size_.load(std::memory_order_relaxed);
    records_[n] = {&into, value_ns};
    size_.store(n + 1, std::memory_order_release);
    if (n + 1 == kLen) add_all();
  }
  // Adds those not added yet: the writer's (when full) or the control
  // thread's (Recorder::add_pending), one at a time.
  void add_all() {
    while (held_.exchange(true, std::memory_order_acquire))
      std::this_thread::yield();
    const std::size_t n = size_.load(std::memory_order_acquire);
    AtomicHistogram::record_all(records_.data() + added_, n - added_);
    added_ = n;
    // Only the writer starts over: the control thread's next add_all
    // then finds nothing new, and the writer's next add appends at 0.
    if (n == kLen) {
      added_ = 0;
      size_.store(0, std::memory_order_relaxed);
    }
    held_.store(false, std::memory_order_release);
  }

 private:
  std::atomic<bool> held_{false};
  std::atomic<std::size_t> size_{0};  // written by the writer only
  std::size_t added_ = 0;             // under held_
  std::array<AtomicHistogram::Pending, kLen> records_{};
};

struct alignas(64) Shard {
  std::array<SetSlots, kGenerations> seconds{};  // by second % kGenerations
  // Error samples are the whole run's, by tag set.
  std::array<std::atomic<ErrorSlots *>, kMaxTagSets + 1> samples{};
  // Steps and checks dropped: bad input, past a response's or the run's
  // limits (GOLO_MAX_STEPS, kMaxHostStepNames).
  std::atomic<std::uint64_t> steps_dropped{0}, checks_dropped{0};
  // Iterations counted in `_other` because of the budget.
  std::atomic<std::uint64_t> folded{0};
  ~Shard();
};

// Shards a recorder uses by default: one per core (at most 64). Users
// beyond that share them by the CPU they run on, so the counters' memory
// follows the machine, not the number of users.
std::size_t default_shards();
// The loops a fiber run asked for (RunOptions::loops) really has, at most
// one per user (user u runs on loop u % loops, user_threads.cpp): the
// recorder's shards then.
inline constexpr std::size_t kMaxLoops = 1024;  // golo-host's --loops
inline std::size_t loop_count(std::size_t loops, std::size_t users) {
  return std::clamp<std::size_t>(loops, 1,
                                 std::clamp<std::size_t>(users, 1, kMaxLoops));
}

class Recorder {
 public:
  // `shards`: at most this many (0: default_shards()), never more than
  // users. `budget`: bytes of counters past which a set that would need new
  // memory in a shard and second is recorded in `_other` instead (0: none).
  // `loops` (a fiber run's, 0: a thread run): one shard per loop instead,
  // the users of loop k recording in shard k, so no two loops' threads
  // write one shard's counters (`shards` is then unused).
  Recorder(std::vector<std::string> tag_keys, std::size_t users,
           std::size_t shards = 0, std::int64_t budget = 0,
           std::size_t loops = 0);
  ~Recorder();
  Recorder(const Recorder &) = delete;
  Recorder &operator=(const Recorder &) = delete;

  // Hot path. The second (0-based) an iteration that ended in second
  // `measured` is recorded in: that one, unless the control thread already
  // closed it (a record delayed past the close: then the first open one).
  // The caller publishes it as its record in progress before recording.
  std::uint64_t second_for(std::uint64_t measured) const {
    return std::max(measured, open_.load(std::memory_order_seq_cst));
  }
  // Hot path. `key` is the user's own scratch string, reused. `intended`
  // (closed model only): the iteration seen from its intended start, with
  // the slots it missed, recorded in the set's corrected histogram.
  // `second`: from second_for. One user's records (a fiber run: one
  // loop's) come from one thread at a time: its PendingRecords has one
  // writer.
  void record(std::uint32_t user, const IterationOutcome &out,
              std::int64_t latency_ns, std::string &key,
              const FromIntended *intended = nullptr, std::uint64_t second = 0);

  // Per tag set results, sorted by key (the caller adds up the total): the
  // seconds harvested plus those not yet.
  std::vector<TagSetStats> tag_sets() const;
  // The same once the run is over, moving the harvested totals out rather
  // than copying them (the recorder's totals are empty afterwards).
  std::vector<TagSetStats> take_tag_sets();

  // One tag set's counts in one second, as harvest gives them: sparse
  // histograms, and vectors that keep their capacity from one second to
  // the next (harvest reuses the caller's elements).
  struct SetCounts {
    std::size_t id = 0;
    SparseHistogram latency;
    std::uint64_t iterations = 0, errors = 0;
    SparseHistogram corrected;
    std::uint64_t missed = 0;
    // By step and check id (index), empty when it had none; an id it never
    // ran has count 0 (checks: no passes or fails).
    std::vector<StepStats> steps;
    std::vector<CheckStats> checks;
  };
  // Control thread, for seconds in order. After close_second(s), no new
  // record goes to second s (second_for gives later ones); once the
  // records of s in progress are done, harvest(s) returns s's counts per
  // tag set (those with iterations), adds them to the totals and recycles
  // s's counters for second s + kGenerations. It allocates nothing once
  // warmed (sets without steps): `out`'s elements and their buffers are
  // reused, and a set's totals grow only for latencies new to it.
  // Before any record: the series starts at `second` (a resumed run's first;
  // the seconds before it are never recorded, closed or harvested).
  void start_at_second(std::uint64_t second);
  void close_second(std::uint64_t second) {
    open_.store(second + 1, std::memory_order_seq_cst);
  }
  void harvest(std::uint64_t second, std::vector<SetCounts> &out);
  // Bytes of counters allocated so far (SetCounters, histogram chunks,
  // step counters, error slots): what the budget is compared with.
  std::int64_t counter_bytes() const {
    return bytes_.load(std::memory_order_relaxed);
  }
  std::size_t shard_count() const { return shard_count_; }
  // The shard that `user`'s records of set `id` go to now (a set is wide
  // from the start or once hot; the others are in shard 0, see kWideFirst).
  // On threads past one shard per user it is the calling thread's CPU's.
  std::size_t shard_index(std::uint32_t user, std::size_t id) const;
  // The shard a set spread over all of them is recorded in by `user` now.
  std::size_t writer_index(std::uint32_t user) const;
  // Iterations recorded in `_other` because the budget was reached.
  std::uint64_t folded() const;
  // Tag sets the control thread folded into `_other` to stay within the
  // budget (each time one was), the least hit first (rebalance).
  std::uint64_t sets_folded() const { return sets_folded_; }
  // Steps and checks dropped so far (cumulative).
  std::uint64_t steps_dropped() const;
  std::uint64_t checks_dropped() const;
  // The key and tags of set `id` (one snapshot_sets returned).
  void describe(std::size_t id, std::string &key,
                std::vector<std::pair<std::string, std::string>> &tags) const;

 private:
  std::size_t find_or_add(const IterationOutcome &out, const std::string &key,
                          std::uint64_t hash);
  // Writers with pending records: a thread run's users, a fiber run's loops.
  std::size_t writers() const { return loops_ ? loops_ : users_; }
  // `user`'s writer's pending records, made by its first record.
  PendingRecords &pending_of(std::uint32_t user);
  // Adds every writer's pending records (before counters are read).
  void add_pending() const;
  // The counters of set `id` in `shard` and `second`, made if new; null when
  // making them (or their chunk for `latency_ns`) would pass the budget.
  SetCounters *counters(Shard &shard, std::size_t id, std::uint64_t second,
                        std::int64_t latency_ns);
  template <class T, class... More>
  T *make_once(std::atomic<T *> &slot, More... more);
  void record_steps(Shard &shard, SetCounters &set,
                    const IterationOutcome &out);
  // One tag set's counts over the seconds harvested (dense histograms).
  struct SetTotals {
    Histogram latency, corrected;
    std::uint64_t iterations = 0, errors = 0, missed = 0;
    std::vector<StepStats> steps;  // by id, as SetCounts
    std::vector<CheckStats> checks;
  };
  // Adds one second's counters of a set to `into` (its step and check
  // vectors by id, grown to the ids it has counts for).
  void add_counts(const SetCounters &c, SetTotals &into) const;
  // The same, moving them out (harvest): the counters are zero afterwards.
  void drain_counts(SetCounters &c, SetCounts &into) const;
  // A second's counts added to the set's totals.
  void add_to_totals(const SetCounts &counts, SetTotals &total) const;
  // Adds set `id` to `out` (when it has iterations): `counts` are its
  // harvested totals, to which the seconds still in the ring are added.
  void add_set(std::size_t id, SetTotals counts,
               std::vector<TagSetStats> &out) const;
  // Names the steps and checks that have none yet.
  void name_steps(std::vector<StepStats> &steps,
                  std::vector<CheckStats> &checks) const;
  // Harvest's reusable element for the next set (out[used] or new).
  SetCounts &next_counts(std::vector<SetCounts> &out, std::size_t used);
  // Elements harvest took off the end of an `out` (with their buffers).
  std::vector<SetCounts> spare_;

  struct Entry {  // immutable once published
    std::uint64_t hash = 0;
    std::string key;
    std::vector<std::pair<std::string, std::string>> tags;
  };
  std::vector<std::string> tag_keys_;
  std::unique_ptr<Shard[]> shards_;
  // By user (thread runs) or loop (fiber runs); null until it records.
  std::unique_ptr<std::atomic<PendingRecords *>[]> pending_;
  std::size_t users_;
  std::size_t loops_;  // 0: a thread run
  std::size_t shard_count_;
  const std::int64_t budget_;
  std::atomic<std::int64_t> bytes_{0};
  // Chunks the seconds' counters did not need when harvested (chunk_pool.h).
  ChunkPool pool_;
  // The budget's rule (record_budget.cpp): once a second the control
  // thread folds the sets hit least in that second into `_other` while the
  // counters are near the budget, and frees their counters as each second
  // of the ring is harvested; a folded set's records are counted (hits) so
  // that it is let back in when it is hit more than the least of the named.
  void rebalance();
  void free_folded(std::size_t generation);
  std::int64_t set_bytes(std::size_t id) const;
  std::array<std::atomic<bool>, kMaxTagSets + 1> out_{};  // folded
  std::array<std::atomic<std::uint64_t>, kMaxTagSets + 1> out_hits_{};
  std::array<std::uint64_t, kMaxTagSets + 1> hits_{};  // last second's
  std::uint64_t sets_folded_ = 0;
  // Whether a set is spread over every shard (else it is in shard 0).
  std::array<std::atomic<bool>, kMaxTagSets + 1> wide_{};
  std::array<Entry, kMaxTagSets> entries_;
  std::atomic<std::size_t> published_{0};
  // id + 1 of the set whose hash probes to each slot (linear probing); 0
  // is empty. Written under adding_, after the entry is published.
  std::array<std::atomic<std::uint32_t>, kIndexSlots> index_{};
  std::mutex adding_;  // taken only to add a new tag set
  NameTable step_names_, check_names_;
  // The first second still open to records, and the second each ring
  // generation holds (recycled by harvest).
  std::atomic<std::uint64_t> open_{0};
  std::array<std::atomic<std::uint64_t>, kGenerations> holds_{};
  std::map<std::size_t, SetTotals> totals_;  // by id: the seconds harvested
  std::uint64_t harvested_ = 0;              // seconds harvested
};

}  // namespace golo::agent::detail
