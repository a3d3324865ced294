// tune_accepted_socket on a real loopback connection: the options are set, and a peer that never
// reads cannot make the server's kernel hold more than a bounded amount of unsent data.

#include "server/socket_options.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <string>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

namespace minirtc::server {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Connection {
  asio::io_context io;
  tcp::socket client{io}, server{io};
  Connection() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
};

int get_tcp_option(tcp::socket& s, int name) {
  int value = -1;
  socklen_t len = sizeof value;
  EXPECT_EQ(::getsockopt(s.native_handle(), IPPROTO_TCP, name, &value, &len), 0);
  return value;
}

TEST(SocketOptions, SetsNoDelayAndTheUnsentLimit) {
  Connection c;
  tune_accepted_socket(c.server, 65536);
  EXPECT_NE(get_tcp_option(c.server, TCP_NODELAY), 0);
  EXPECT_EQ(get_tcp_option(c.server, TCP_NOTSENT_LOWAT), 65536);
}

TEST(SocketOptions, ZeroLeavesTheKernelDefault) {
  Connection c;
  const int before = get_tcp_option(c.server, TCP_NOTSENT_LOWAT);
  tune_accepted_socket(c.server, 0);
  EXPECT_NE(get_tcp_option(c.server, TCP_NODELAY), 0);
  EXPECT_EQ(get_tcp_option(c.server, TCP_NOTSENT_LOWAT), before);
}

TEST(SocketOptions, APeerThatNeverReadsGetsABoundedBacklog) {
  Connection c;
  tune_accepted_socket(c.server, 64 * 1024);
  c.server.non_blocking(true);
  // Write until the kernel refuses: what it took is the unsent limit plus what the peer's receive
  // window admitted, not the megabytes send-buffer autotuning would otherwise allow.
  const std::string block(16 * 1024, 'x');
  std::size_t accepted = 0;
  for (int i = 0; i < 4096; ++i) {
    boost::system::error_code ec;
    const auto n = c.server.write_some(asio::buffer(block), ec);
    accepted += n;
    if (ec == asio::error::would_block) break;
    ASSERT_FALSE(ec) << ec.message();
  }
  EXPECT_GT(accepted, 64u * 1024);
  EXPECT_LT(accepted, 2u * 1024 * 1024)
      << "the kernel kept taking data for a peer that never reads";
}

}  // namespace
}  // namespace minirtc::server
