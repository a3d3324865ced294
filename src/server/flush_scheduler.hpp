#pragma once
// Merged writes. A connection with new packets asks to be flushed; the scheduler flushes every
// waiting connection once when the merge window (counted from the first request) ends, so each
// viewer gets one gather write per window instead of one write per message. One timer per event
// loop, not one per viewer. Window 0 means "at the end of the current handler".

#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace minirtc::server {

class Flushable {
 public:
  virtual ~Flushable() = default;
  virtual void flush() = 0;

 private:
  friend class FlushScheduler;
  bool flush_scheduled_ = false;
};

class FlushScheduler {
 public:
  FlushScheduler(boost::asio::any_io_executor executor, std::chrono::milliseconds window)
      : executor_(executor), timer_(executor), window_(window) {}

  void schedule(std::shared_ptr<Flushable> target);
  std::chrono::milliseconds window() const noexcept { return window_; }

 private:
  void run();

  boost::asio::any_io_executor executor_;
  boost::asio::steady_timer timer_;
  std::chrono::milliseconds window_;
  bool armed_ = false;
  std::vector<std::shared_ptr<Flushable>> pending_, running_;
};

}  // namespace minirtc::server
