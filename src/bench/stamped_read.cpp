#include "bench/stamped_read.hpp"

#include <sys/socket.h>
#include <time.h>

#include <cerrno>

#include "bench/clock.hpp"

namespace minirtc::bench {

void enable_receive_timestamps(boost::asio::ip::tcp::socket& socket) {
  const int on = 1;
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

StampedRead read_stamped(boost::asio::ip::tcp::socket& socket, std::span<std::uint8_t> buffer) {
  StampedRead r;
  iovec iov{buffer.data(), buffer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  const auto n = ::recvmsg(socket.native_handle(), &m, MSG_DONTWAIT);
  const auto read_ns = now_ns();
  r.arrival_ns = read_ns;
  if (n < 0) {
    r.ec = boost::system::error_code(errno, boost::system::system_category());
    if (errno == EAGAIN || errno == EWOULDBLOCK) r.ec = boost::asio::error::would_block;
    return r;
  }
  r.bytes = static_cast<std::size_t>(n);
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_TIMESTAMPNS) continue;
    timespec stamp{}, real_now{};
    __builtin_memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    ::clock_gettime(CLOCK_REALTIME, &real_now);
    // The stamp is wall-clock time; move it onto the steady clock by its age.
    const std::int64_t age =
        (real_now.tv_sec - stamp.tv_sec) * 1'000'000'000LL + (real_now.tv_nsec - stamp.tv_nsec);
    if (age >= 0) r.arrival_ns = read_ns - age;
  }
  return r;
}

}  // namespace minirtc::bench
