#pragma once
// Writes off the event loop: jobs queued by the loop (a call record, a pending callback) are
// written by one writer thread, many per transaction.
//
// Why a thread and not a queue flushed on the loop's tick: a commit is usually well under a
// millisecond, but a WAL checkpoint's fsync, a slow or full disk can take far longer, and the
// loop that would wait also carries every viewer's media. The loop only appends a closure to a
// mutex-guarded queue (no I/O); the thread owns its own connection.
//
// Policy:
//   - the thread wakes every `interval_ms` (or at once on flush()/shutdown) and writes up to
//     `max_batch` jobs in one transaction, each inside a savepoint;
//   - a job that fails for good (bad data, a constraint) is rolled back alone, counted and
//     logged; the others commit;
//   - a transient failure (busy, disk full, I/O error) rolls the batch back and keeps it, in
//     order, for the next round;
//   - the queue holds at most `max_queued` jobs: submit() refuses more (counted as dropped)
//     rather than grow without bound while the disk is gone;
//   - destruction writes what is queued (one last try) and joins the thread.
// Jobs run on the writer thread: they touch only the Database they are given and data they own.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "db/database.hpp"

namespace minirtc::db {

struct WriterOptions {
  std::uint32_t interval_ms = 200;
  std::size_t max_batch = 5000;
  std::size_t max_queued = 200000;
};

struct WriterStats {
  std::uint64_t queued = 0;   // waiting now
  std::uint64_t written = 0;  // jobs committed
  std::uint64_t failed = 0;   // jobs rolled back for good
  std::uint64_t dropped = 0;  // refused: queue full
  std::uint64_t batches = 0;  // transactions committed
  std::uint64_t retries = 0;  // batches rolled back for a transient failure
  std::string last_error;
};

class BatchWriter {
 public:
  using Job = std::function<Status(Database&)>;

  BatchWriter(Database db, WriterOptions options = {});
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  /// Queues a job; false (and counted as dropped) when the queue is full.
  bool submit(Job job);
  /// Waits until every job submitted before the call was committed, failed, or is held back by
  /// a transient failure (then returns false after `timeout_ms`).
  bool flush(std::uint32_t timeout_ms = 10000);
  WriterStats stats() const;

 private:
  void run();
  /// One transaction over `batch`; returns false on a transient failure (batch kept).
  bool write(std::deque<Job>& batch);

  Database db_;
  WriterOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::deque<Job> queue_;
  std::uint64_t submitted_ = 0;  // jobs ever queued
  std::uint64_t finished_ = 0;   // jobs committed or failed
  bool flush_requested_ = false;
  bool stopping_ = false;
  WriterStats stats_;
  std::thread thread_;  // last: starts after everything above is ready
};

}  // namespace minirtc::db
