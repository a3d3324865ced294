#include "db/batch_writer.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

namespace minirtc::db {

BatchWriter::BatchWriter(Database db, WriterOptions options)
    : db_(std::move(db)), options_(options), thread_([this] { run(); }) {}

BatchWriter::~BatchWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool BatchWriter::submit(Job job) {
  std::lock_guard lock(mutex_);
  if (queue_.size() >= options_.max_queued || stopping_) {
    ++stats_.dropped;
    return false;
  }
  queue_.push_back(std::move(job));
  ++submitted_;
  return true;
}

bool BatchWriter::flush(std::uint32_t timeout_ms) {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = submitted_;
  flush_requested_ = true;
  wake_.notify_all();
  return done_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [&] { return finished_ >= target; });
}

WriterStats BatchWriter::stats() const {
  std::lock_guard lock(mutex_);
  WriterStats s = stats_;
  s.queued = queue_.size();
  return s;
}

void BatchWriter::run() {
  std::deque<Job> batch;  // jobs being written; kept across rounds after a transient failure
  bool retried_at_stop = false;
  for (;;) {
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(options_.interval_ms),
                     [&] { return stopping_ || flush_requested_; });
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (queue_.empty()) flush_requested_ = false;  // else: go on at once with the rest
      stop = stopping_;
    }
    if (!batch.empty() && !write(batch) && stop) {
      if (retried_at_stop) {
        // Shutting down and the disk still refuses: give up on what is left, loudly.
        std::lock_guard lock(mutex_);
        const std::uint64_t lost = batch.size() + queue_.size();
        spdlog::error("database {}: {} queued writes lost at shutdown: {}", db_.path(), lost,
                      stats_.last_error);
        stats_.failed += lost;
        finished_ += lost;
        batch.clear();
        queue_.clear();
        done_.notify_all();
        return;
      }
      retried_at_stop = true;
    }
    if (stop) {
      std::lock_guard lock(mutex_);
      if (batch.empty() && queue_.empty()) return;
    }
  }
}

bool BatchWriter::write(std::deque<Job>& batch) {
  auto transient = [&](const Error& e) {
    std::lock_guard lock(mutex_);
    ++stats_.retries;
    if (stats_.last_error != e.reason)
      spdlog::error("database writer: writes held back, retrying: {}", e.reason);
    stats_.last_error = e.reason;
    return false;
  };
  if (auto st = db_.exec("BEGIN IMMEDIATE"); !st) return transient(st.error());
  std::uint64_t written = 0, failed = 0;
  for (auto& job : batch) {
    if (auto st = db_.exec("SAVEPOINT job"); !st) {
      (void)db_.exec("ROLLBACK");
      return transient(st.error());
    }
    Status st = job(db_);
    if (st) {
      (void)db_.exec("RELEASE job");
      ++written;
      continue;
    }
    if (Database::is_transient(db_.last_error_code())) {
      (void)db_.exec("ROLLBACK");
      return transient(st.error());
    }
    (void)db_.exec("ROLLBACK TO job");
    (void)db_.exec("RELEASE job");
    ++failed;
    spdlog::warn("database writer: a write was refused and skipped: {}", st.error().reason);
  }
  if (auto st = db_.exec("COMMIT"); !st) {
    (void)db_.exec("ROLLBACK");
    return transient(st.error());
  }
  std::lock_guard lock(mutex_);
  stats_.written += written;
  stats_.failed += failed;
  ++stats_.batches;
  finished_ += batch.size();
  if (!stats_.last_error.empty())
    spdlog::info("database {}: writing again ({} jobs in this batch)", db_.path(), batch.size());
  stats_.last_error.clear();
  batch.clear();
  done_.notify_all();
  return true;
}

}  // namespace minirtc::db
