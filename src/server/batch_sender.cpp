#include "server/batch_sender.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <liburing.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

namespace minirtc::server {

namespace {
constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;

long sendmsg_now(int fd, const msghdr& m) {
  const auto n = ::sendmsg(fd, &m, kSendFlags);
  return n < 0 ? -errno : n;
}
}  // namespace

struct BatchSender::Ring {
  io_uring ring{};
  ~Ring() { io_uring_queue_exit(&ring); }
};

BatchSender::BatchSender(Mode wanted, unsigned ring_entries) : ring_entries_(ring_entries) {
  if (wanted != Mode::IoUring) return;
  auto ring = std::make_unique<Ring>();
  // One thread submits, and completions are only needed when we ask for them: the flags that let
  // the kernel skip cross-thread signalling. Older kernels reject them; then try without.
  unsigned flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
  int rc = io_uring_queue_init(ring_entries, &ring->ring, flags);
  if (rc == -EINVAL) rc = io_uring_queue_init(ring_entries, &ring->ring, 0);
  if (rc < 0) {
    spdlog::warn("io_uring unavailable ({}): viewers' writes use one sendmsg each",
                 std::strerror(-rc));
    return;
  }
  ring_ = std::move(ring);
}

BatchSender::~BatchSender() = default;

std::size_t BatchSender::add_iovecs(std::span<const boost::asio::const_buffer> buffers) {
  const auto first = iovecs_.size();
  for (const auto& b : buffers) iovecs_.push_back({const_cast<void*>(b.data()), b.size()});
  return first;
}

void BatchSender::report(BatchSendTarget& target, long result) {
  target.on_sent(result > 0 ? static_cast<std::size_t>(result) : 0,
                 result < 0 ? static_cast<int>(-result) : 0);
}

msghdr BatchSender::message_of(const Request& r) {
  msghdr m{};
  m.msg_iov = iovecs_.data() + r.first_iov;
  m.msg_iovlen = r.iov_count;
  return m;
}

void BatchSender::send(int fd, std::span<const boost::asio::const_buffer> buffers,
                       std::shared_ptr<BatchSendTarget> target) {
  if (!collecting_) {
    // A write outside a round (a command reply, the rest of a drained queue): one sendmsg now.
    // This path only reads iovecs_ before calling back, so a nested send() may reuse it.
    iovecs_.clear();
    const Request r{fd, add_iovecs(buffers), buffers.size(), nullptr};
    const auto result = sendmsg_now(fd, message_of(r));
    ++writes_;
    ++system_calls_;
    report(*target, result);
    return;
  }
  requests_.push_back({fd, add_iovecs(buffers), buffers.size(), std::move(target)});
}

void BatchSender::finish() {
  collecting_ = false;
  if (requests_.empty()) {
    iovecs_.clear();
    return;
  }
  if (ring_)
    send_with_ring(requests_);
  else
    send_with_sendmsg(requests_);
  writes_ += requests_.size();
  // Targets may write again from their callbacks (outside a round now), which reuses iovecs_
  // and may even start a new round: report from a moved-out list.
  done_.swap(requests_);
  requests_.clear();
  iovecs_.clear();
  for (auto& r : done_) {
    report(*r.target, r.result);
    r.target.reset();
  }
  done_.clear();
}

void BatchSender::send_with_sendmsg(std::span<Request> requests) {
  for (auto& r : requests) r.result = sendmsg_now(r.fd, message_of(r));
  system_calls_ += requests.size();
}

void BatchSender::send_with_ring(std::span<Request> requests) {
  io_uring* ring = &ring_->ring;
  messages_.resize(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) messages_[i] = message_of(requests[i]);

  for (std::size_t start = 0; start < requests.size(); start += ring_entries_) {
    const auto count = std::min<std::size_t>(ring_entries_, requests.size() - start);
    for (std::size_t i = start; i < start + count; ++i) {
      io_uring_sqe* sqe = io_uring_get_sqe(ring);  // never null: at most ring_entries_ per chunk
      io_uring_prep_sendmsg(sqe, requests[i].fd, &messages_[i], kSendFlags);
      io_uring_sqe_set_data64(sqe, i);
      requests[i].result = -EINPROGRESS;
    }
    int rc;
    do {
      rc = io_uring_submit_and_wait(ring, static_cast<unsigned>(count));
      ++system_calls_;
    } while (rc == -EINTR);
    if (rc < 0)  // not expected; the wait below recovers by submitting again
      spdlog::error("io_uring submit failed: {}", std::strerror(-rc));
    std::size_t reaped = 0;
    auto reap = [&] {
      unsigned head, seen = 0;
      io_uring_cqe* cqe;
      io_uring_for_each_cqe(ring, head, cqe) {
        const auto i = io_uring_cqe_get_data64(cqe);
        if (i < requests.size()) {  // not the cancel request's own completion
          requests[i].result = cqe->res;
          ++reaped;
        }
        ++seen;
      }
      io_uring_cq_advance(ring, seen);
    };
    reap();
    // Non-blocking sends complete during the submit. Should a kernel still queue one (it would
    // hold our buffers), wait for it briefly, then cancel whatever is left and wait for that.
    bool cancelled = false;
    while (reaped < count) {
      __kernel_timespec wait{.tv_sec = 1, .tv_nsec = 0};
      io_uring_cqe* cqe;
      rc = io_uring_wait_cqe_timeout(ring, &cqe, &wait);  // also submits anything still queued
      ++system_calls_;
      if (rc == -ETIME && !cancelled) {
        spdlog::error("io_uring: {} sends did not complete; cancelling them", count - reaped);
        io_uring_sqe* sqe = io_uring_get_sqe(ring);
        io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);
        io_uring_sqe_set_data64(sqe, ~std::uint64_t{0});
        io_uring_submit(ring);
        cancelled = true;
      }
      reap();
    }
  }
}

}  // namespace minirtc::server
