#pragma once
// A viewer's reads: paced for slow readers, counted, and stamped with when their bytes arrived.
// The RTMP and FLV clients both read through one.
//
// A viewer's latency is measured from the publisher's send to the moment the bytes reached the
// viewer's socket, taken from the kernel's receive timestamp (SO_TIMESTAMPNS), not from when the
// load generator got round to reading them: with thousands of viewers on one core, the load
// generator's own queue would otherwise be counted as the server's latency. For TCP the kernel
// stamps a read with the arrival of the newest bytes in it, so older messages in the same read are
// charged a little more than they took, never less. Stamping costs a readiness wait (an epoll_ctl
// in Asio) and a recvmsg with control data per read, so only the latency sample stamps; other
// readers take the read time as arrival.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include "bench/clock.hpp"

namespace minirtc::bench {

class ArrivalReader {
 public:
  /// read_rate_bytes_per_s > 0 makes a slow reader: it never reads faster than that.
  ArrivalReader(boost::asio::ip::tcp::socket& socket, double read_rate_bytes_per_s)
      : socket_(socket),
        pace_timer_(socket.get_executor()),
        read_rate_(read_rate_bytes_per_s),
        // A slow reader takes small bites so its rate is smooth; others read what is there.
        buffer_(read_rate_bytes_per_s > 0 ? 4096 : 16384) {}

  /// Take arrival times from the kernel. Before connected().
  void stamp_arrivals() noexcept { stamped_ = true; }
  /// Once the socket is connected: the pace counts from here.
  void connected();
  /// Stops a paced wait (the socket's own operations end when it is closed).
  void close() { pace_timer_.cancel(); }

  /// Reads once (a slow reader first waits for its pace), waiting for bytes if there are none,
  /// then calls done(ec, n): the bytes are data(n) and arrived at arrival_ns(). A closed peer is
  /// asio::error::eof.
  template <class Done>
  void read(Done done);

  std::span<const std::uint8_t> data(std::size_t n) const { return {buffer_.data(), n}; }
  /// On now_ns()'s clock.
  std::int64_t arrival_ns() const noexcept { return arrival_ns_; }
  /// Bytes read so far; may be read from another thread than the reader's.
  std::uint64_t bytes_in() const noexcept { return bytes_in_.load(std::memory_order_relaxed); }

 private:
  struct Stamped {
    std::size_t bytes = 0;
    std::int64_t arrival_ns = 0;
    boost::system::error_code ec;  // would_block: nothing to read yet
  };
  /// recvmsg without waiting, with the kernel's stamp moved onto the steady clock.
  Stamped read_stamped();
  template <class Done>
  void read_now(Done done);
  template <class Done>
  bool try_read(Done& done);

  boost::asio::ip::tcp::socket& socket_;
  boost::asio::steady_timer pace_timer_;
  double read_rate_;
  std::int64_t read_start_ns_ = 0;
  std::vector<std::uint8_t> buffer_;
  bool stamped_ = false;
  std::int64_t arrival_ns_ = 0;
  std::atomic<std::uint64_t> bytes_in_{0};
};

template <class Done>
void ArrivalReader::read(Done done) {
  if (read_rate_ > 0) {
    // Hold the next read until the bytes read so far fit the allowed rate.
    const auto due = read_start_ns_ +
                     static_cast<std::int64_t>(static_cast<double>(bytes_in()) / read_rate_ * 1e9);
    if (due > now_ns()) {
      pace_timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due)));
      pace_timer_.async_wait([this, done = std::move(done)](boost::system::error_code ec) mutable {
        if (ec) return done(ec, 0);
        read_now(std::move(done));
      });
      return;
    }
  }
  read_now(std::move(done));
}

template <class Done>
void ArrivalReader::read_now(Done done) {
  if (!stamped_) {
    socket_.async_read_some(
        boost::asio::buffer(buffer_),
        [this, done = std::move(done)](boost::system::error_code ec, std::size_t n) mutable {
          arrival_ns_ = now_ns();
          bytes_in_ += n;
          done(ec, n);
        });
    return;
  }
  // Try first: a loaded load generator usually finds bytes waiting, and then a readiness wait
  // would cost a trip through epoll.
  if (try_read(done)) return;
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                     [this, done = std::move(done)](boost::system::error_code ec) mutable {
                       if (ec) return done(ec, 0);
                       if (!try_read(done)) read_now(std::move(done));
                     });
}

template <class Done>
bool ArrivalReader::try_read(Done& done) {
  auto r = read_stamped();
  if (r.ec == boost::asio::error::would_block) return false;
  if (!r.ec && r.bytes == 0) r.ec = boost::asio::error::eof;
  arrival_ns_ = r.arrival_ns;
  bytes_in_ += r.bytes;
  done(r.ec, r.bytes);
  return true;
}

}  // namespace minirtc::bench
