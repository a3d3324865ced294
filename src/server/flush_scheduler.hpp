#pragma once
// Merged writes. A connection with new packets asks to be flushed; the scheduler flushes every
// waiting connection once when the merge window (counted from the first request) ends, so each
// viewer gets one gather write per window instead of one write per message. One timer per event
// loop, not one per viewer. Window 0 means "at the end of the current handler". The round's writes
// of plain TCP connections go to the kernel together through the loop's BatchSender.
//
// A round runs in slices of kSliceSize connections, each slice one handler: between slices the
// loop reads what publishers sent meanwhile, so a thousands-viewer round does not hold up ingest
// for its whole length, and viewers not yet flushed take the new packets in this same round.

#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/batch_sender.hpp"

namespace minirtc::server {

class Flushable {
 public:
  virtual ~Flushable() = default;
  virtual void flush() = 0;

 private:
  friend class FlushScheduler;
  bool flush_scheduled_ = false;
  bool flush_posted_ = false;
};

class FlushScheduler {
 public:
  /// Connections flushed per slice of a round (one io_uring submission each).
  static constexpr std::size_t kSliceSize = 512;

  FlushScheduler(boost::asio::any_io_executor executor, std::chrono::milliseconds window,
                 BatchSender::Mode send_mode = BatchSender::Mode::IoUring)
      : executor_(executor), timer_(executor), window_(window), sender_(send_mode) {}

  void schedule(std::shared_ptr<Flushable> target);
  /// Flushes `target` once the current handler returns, without waiting for the window: a new
  /// viewer's start (its first picture) is not something to merge with later writes.
  void schedule_now(std::shared_ptr<Flushable> target);
  std::chrono::milliseconds window() const noexcept { return window_; }
  BatchSender& sender() noexcept { return sender_; }

 private:
  void run();
  void run_slice();

  boost::asio::any_io_executor executor_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds window_;
  BatchSender sender_;
  bool armed_ = false;
  bool slicing_ = false;  // a round's next slice is posted
  std::size_t next_ = 0;  // the round's next connection in running_
  std::vector<std::shared_ptr<Flushable>> pending_, running_;
};

}  // namespace minirtc::server
