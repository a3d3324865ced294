#include "bench/arrival_reader.hpp"

#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstring>

namespace minirtc::bench {

void ArrivalReader::connected() {
  read_start_ns_ = now_ns();
  if (!stamped_) return;
  const int on = 1;
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

ArrivalReader::Stamped ArrivalReader::read_stamped() {
  Stamped r;
  iovec iov{buffer_.data(), buffer_.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  const auto n = ::recvmsg(socket_.native_handle(), &m, MSG_DONTWAIT);
  const auto read_ns = now_ns();
  r.arrival_ns = read_ns;  // if the kernel gives no stamp
  if (n < 0) {
    r.ec = errno == EAGAIN || errno == EWOULDBLOCK
               ? boost::system::error_code(boost::asio::error::would_block)
               : boost::system::error_code(errno, boost::system::system_category());
    return r;
  }
  r.bytes = static_cast<std::size_t>(n);
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_TIMESTAMPNS) continue;
    timespec stamp{}, real_now{};
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
    ::clock_gettime(CLOCK_REALTIME, &real_now);
    // The stamp is wall-clock time; move it onto the steady clock by its age.
    const std::int64_t age =
        (real_now.tv_sec - stamp.tv_sec) * 1'000'000'000LL + (real_now.tv_nsec - stamp.tv_nsec);
    if (age >= 0) r.arrival_ns = read_ns - age;
  }
  return r;
}

}  // namespace minirtc::bench
