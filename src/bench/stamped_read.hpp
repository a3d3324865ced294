#pragma once
// Reads that know when their bytes arrived. A viewer's latency is measured from the publisher's
// send to the moment the bytes reached the viewer's socket, taken from the kernel's receive
// timestamp (SO_TIMESTAMPNS), not from when the load generator got round to reading them: with
// thousands of viewers on one core, the load generator's own queue would otherwise be counted as
// the server's latency. For TCP the kernel stamps a read with the arrival of the newest bytes in
// it, so older messages in the same read are charged a little more than they took, never less.

#include <cstdint>
#include <span>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace minirtc::bench {

struct StampedRead {
  std::size_t bytes = 0;         // 0 with no error: the peer closed
  std::int64_t arrival_ns = 0;   // on now_ns()'s clock; the read time if the kernel gave none
  boost::system::error_code ec;  // would_block: nothing to read yet
};

/// Asks the kernel to stamp what this socket receives.
void enable_receive_timestamps(boost::asio::ip::tcp::socket& socket);
/// Reads what is there now, without waiting.
StampedRead read_stamped(boost::asio::ip::tcp::socket& socket, std::span<std::uint8_t> buffer);

}  // namespace minirtc::bench
