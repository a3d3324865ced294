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
//
// What a packet waits is the window plus its viewer's place in the round, and a round's length
// grows with the number of viewers. So the window is shortened by however much the previous round
// took beyond kRoundAllowance: with few viewers the whole window merges (the default, 25 ms, is
// just over one AAC frame at 44.1 or 48 kHz, so two audio frames share a write), with thousands
// the long round does the merging and the wait before it shrinks, and an overloaded loop runs
// rounds back to back instead of adding the window on top.
//
// Relay downstreams (another node pulling a stream for its own viewers, docs/cluster.md "Edges")
// are not merged here: the edge merges the same packets again for its viewers, so a window here
// would be paid twice (the edge hop measured one whole window, 25 ms, before this rule); there is
// one such connection per stream per edge, so a write per packet costs little. merges() is the
// rule.

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
  /// How long a round may take before it eats into the next window.
  static constexpr std::chrono::milliseconds kRoundAllowance{15};

  /// The wait before the next round: `window`, less what the previous round took beyond
  /// kRoundAllowance, and never less than nothing.
  static std::chrono::milliseconds shortened_window(std::chrono::milliseconds window,
                                                    std::chrono::milliseconds last_round) {
    const auto over = last_round - kRoundAllowance;
    if (over <= std::chrono::milliseconds::zero()) return window;
    return over >= window ? std::chrono::milliseconds::zero() : window - over;
  }

  /// Whether a viewer's packets wait for the merge window (true) or go at the end of the current
  /// handler (false): everyone's but a relay downstream's.
  static constexpr bool merges(bool relay_downstream) noexcept { return !relay_downstream; }

  FlushScheduler(boost::asio::any_io_executor executor, std::chrono::milliseconds window,
                 BatchSender::Mode send_mode = BatchSender::Mode::IoUring)
      : executor_(executor), timer_(executor), window_(window), sender_(send_mode) {}

  void schedule(std::shared_ptr<Flushable> target);
  /// Flushes `target` once the current handler returns, without waiting for the window: a new
  /// viewer's start (its first picture) is not something to merge with later writes.
  void schedule_now(std::shared_ptr<Flushable> target);
  std::chrono::milliseconds window() const noexcept { return window_; }
  /// How long the last complete round took, from its first slice to the end of its last.
  std::chrono::milliseconds last_round() const noexcept { return last_round_; }
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
  std::chrono::steady_clock::time_point round_start_;
  std::chrono::milliseconds last_round_{0};
  std::vector<std::shared_ptr<Flushable>> pending_, running_;
};

}  // namespace minirtc::server
