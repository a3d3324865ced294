#pragma once
// Many viewers' writes in one system call. During a flush round every plain-TCP viewer's gather
// write is queued here, and finish() hands the whole round to the kernel at once through io_uring:
// one io_uring_enter per round instead of one sendmsg per viewer. The benchmark's profile showed
// why this matters: with a thousand viewers, entering and leaving the kernel was a fifth of the
// server's CPU, more than all of its own code.
//
// Every send is non-blocking (MSG_DONTWAIT, which io_uring honours by failing with EAGAIN instead
// of waiting for room), so all of a round's requests complete inside finish(): none outlives the
// round, no packet or socket stays referenced by the ring. Whatever a full socket did not take is
// reported back, and the connection writes the rest with its ordinary asynchronous write.
//
// Without io_uring (an old kernel, a seccomp profile, kernel.io_uring_disabled, or
// `send_batching = "sendmsg"`) the same requests go out as one non-blocking sendmsg each.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/buffer.hpp>

namespace minirtc::server {

/// The connection behind a queued write: told once how much of it the kernel took.
class BatchSendTarget {
 public:
  virtual ~BatchSendTarget() = default;
  /// `bytes` were taken (possibly fewer than queued); `error` is 0 or an errno. EAGAIN means the
  /// socket was full, which is not a failure of the connection.
  virtual void on_sent(std::size_t bytes, int error) = 0;
};

class BatchSender {
 public:
  enum class Mode { IoUring, Sendmsg };

  /// Tries io_uring when asked; falls back to sendmsg when the kernel refuses it.
  explicit BatchSender(Mode wanted, unsigned ring_entries = 1024);
  ~BatchSender();
  BatchSender(const BatchSender&) = delete;
  BatchSender& operator=(const BatchSender&) = delete;

  Mode mode() const noexcept { return ring_ ? Mode::IoUring : Mode::Sendmsg; }
  static std::string_view name(Mode m) { return m == Mode::IoUring ? "io_uring" : "sendmsg"; }
  /// The mode `name` names (config `send_batching`, flag `--send-batching`).
  static std::optional<Mode> parse(std::string_view name) {
    for (auto m : {Mode::IoUring, Mode::Sendmsg})
      if (name == BatchSender::name(m)) return m;
    return std::nullopt;
  }

  /// Starts a round: writes from now on are collected until finish().
  void begin() noexcept { collecting_ = true; }
  bool collecting() const noexcept { return collecting_; }

  /// Queues a write of `buffers` (which must stay valid until the target is told) to socket `fd`.
  /// Outside a round the write happens at once and the target is told before this returns.
  void send(int fd, std::span<const boost::asio::const_buffer> buffers,
            std::shared_ptr<BatchSendTarget> target);

  /// Ends the round: sends everything queued, then tells each target its outcome, in order.
  void finish();

  std::uint64_t writes() const noexcept { return writes_; }
  std::uint64_t system_calls() const noexcept { return system_calls_; }

 private:
  struct Request {
    int fd;
    std::size_t first_iov, iov_count;
    std::shared_ptr<BatchSendTarget> target;
    long result = 0;  // bytes, or -errno
  };
  struct Ring;

  void send_with_sendmsg(std::span<Request> requests);
  void send_with_ring(std::span<Request> requests);
  /// Appends `buffers` to iovecs_; returns the index of the first.
  std::size_t add_iovecs(std::span<const boost::asio::const_buffer> buffers);
  msghdr message_of(const Request& r);
  /// Tells `target` the outcome `result` (bytes, or -errno).
  static void report(BatchSendTarget& target, long result);

  std::unique_ptr<Ring> ring_;
  unsigned ring_entries_;
  bool collecting_ = false;
  std::vector<Request> requests_, done_;
  std::vector<iovec> iovecs_;
  std::vector<msghdr> messages_;
  std::uint64_t writes_ = 0;
  std::uint64_t system_calls_ = 0;
};

}  // namespace minirtc::server
