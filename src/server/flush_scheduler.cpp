#include "server/flush_scheduler.hpp"

#include <boost/asio/post.hpp>

namespace minirtc::server {

void FlushScheduler::schedule(std::shared_ptr<Flushable> target) {
  if (target->flush_scheduled_) return;
  target->flush_scheduled_ = true;
  pending_.push_back(std::move(target));
  if (armed_) return;
  armed_ = true;
  if (window_.count() == 0) {
    boost::asio::post(executor_, [this] { run(); });
  } else {
    timer_.expires_after(window_);
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
  running_.swap(pending_);
  sender_.begin();
  for (auto& t : running_) {
    t->flush_scheduled_ = false;
    t->flush();
  }
  sender_.finish();
  running_.clear();
}

}  // namespace minirtc::server
