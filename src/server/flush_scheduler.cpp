#include "server/flush_scheduler.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

namespace minirtc::server {

void FlushScheduler::schedule(std::shared_ptr<Flushable> target) {
  if (target->flush_scheduled_) return;
  target->flush_scheduled_ = true;
  pending_.push_back(std::move(target));
  if (armed_) return;
  armed_ = true;
  const auto wait = shortened_window(window_, last_round_);
  if (wait.count() == 0) {
    boost::asio::post(executor_, [this] { run(); });
  } else {
    timer_.expires_after(wait);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) run();
    });
  }
}

void FlushScheduler::schedule_now(std::shared_ptr<Flushable> target) {
  if (target->flush_posted_) return;
  target->flush_posted_ = true;
  boost::asio::post(executor_, [target = std::move(target)] {
    target->flush_posted_ = false;
    target->flush();
  });
}

void FlushScheduler::run() {
  armed_ = false;
  // Normally the last round is over; should its slices still be going, these join it.
  for (auto& t : pending_) running_.push_back(std::move(t));
  pending_.clear();
  if (slicing_) return;
  round_start_ = std::chrono::steady_clock::now();
  run_slice();
}

void FlushScheduler::run_slice() {
  const auto end = std::min(next_ + kSliceSize, running_.size());
  sender_.begin();
  for (; next_ < end; ++next_) {
    auto& t = running_[next_];
    t->flush_scheduled_ = false;
    t->flush();
  }
  sender_.finish();
  if (next_ < running_.size()) {
    slicing_ = true;
    boost::asio::post(executor_, [this] { run_slice(); });
    return;
  }
  slicing_ = false;
  running_.clear();
  next_ = 0;
  last_round_ = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - round_start_);
}

}  // namespace minirtc::server
