// server::RtmpLink, the RTMP client connection the relay and the push forward share, against a
// real loopback peer: what it writes, and how each end reaches its owner (an address error, the
// peer closing, a read whose status is an error, the start deadline, a close by the owner). The
// play and publish themselves are covered end to end (tests/e2e/relay, cluster_push_forward).

#include "server/rtmp_link.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace minirtc::server {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::size_t kC0C1 = 1 + 1536;

struct Owner final : RtmpLinkOwner {
  std::vector<std::string> calls;
  bool fail_in_read = false;
  RtmpLink* link = nullptr;

  void link_read(std::vector<rtmp::PlayEvent>& events, std::vector<std::uint8_t>& /*out*/,
                 const Status& fed) override {
    calls.push_back("read " + std::to_string(events.size()) + (fed ? " ok" : " error"));
    if (fail_in_read) link->fail("the owner's own reason");
  }
  void link_stopped() override { calls.push_back("stopped"); }
  void link_failed(const std::string& reason) override { calls.push_back("failed: " + reason); }
};

/// A loopback peer: accepts one connection and reads C0+C1 from it.
struct Peer {
  tcp::acceptor acceptor;
  tcp::socket socket;
  std::vector<std::uint8_t> c0c1 = std::vector<std::uint8_t>(kC0C1);
  explicit Peer(asio::io_context& io)
      : acceptor(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)), socket(io) {}
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }
  /// Accepts, reads C0+C1, then calls `then`.
  template <class F>
  void serve(F then) {
    acceptor.async_accept(socket, [this, then](const boost::system::error_code& ec) {
      ASSERT_FALSE(ec) << ec.message();
      asio::async_read(socket, asio::buffer(c0c1),
                       [this, then](const boost::system::error_code& rec, std::size_t n) {
                         ASSERT_FALSE(rec) << rec.message();
                         ASSERT_EQ(n, kC0C1);
                         then();
                       });
    });
  }
};

/// A loop, an owner and a peer; make_link() makes the link to the peer (or to `address`).
struct RtmpLinkTest : ::testing::Test {
  asio::io_context io;
  Owner owner;
  Peer peer{io};
  std::shared_ptr<RtmpLink> link;

  void make_link(std::uint32_t timeout_s = 10) {
    make_link(std::pair<std::string, std::uint16_t>("127.0.0.1", peer.port()), timeout_s);
  }
  void make_link(Result<std::pair<std::string, std::uint16_t>> address,
                 std::uint32_t timeout_s = 10);
  /// The peer answers C0+C1 with a C0 of version 9, which the client refuses.
  void answer_bad_version() {
    static const std::uint8_t kBadVersion[] = {9};
    peer.serve([this] { asio::write(peer.socket, asio::buffer(kBadVersion)); });
  }
};

RtmpLink::Options options(std::uint32_t timeout_s = 10) {
  return RtmpLink::Options{"link under test", "rtmp link test ended", "late", "peer gone",
                           timeout_s};
}

rtmp::PlayTarget target() {
  return rtmp::PlayTarget{"live", "rtmp://127.0.0.1/live", "key", false, 0};
}

void RtmpLinkTest::make_link(Result<std::pair<std::string, std::uint16_t>> address,
                             std::uint32_t timeout_s) {
  link = std::make_shared<RtmpLink>(io, owner, options(timeout_s), target(), std::move(address));
  owner.link = link.get();
}

TEST_F(RtmpLinkTest, AnAddressErrorFailsOnALaterHandler) {
  make_link(make_error("relay address: no port"));
  link->start(link);
  EXPECT_TRUE(owner.calls.empty());  // nothing re-enters the caller of start()
  io.run();
  EXPECT_EQ(owner.calls, (std::vector<std::string>{"stopped", "failed: relay address: no port"}));
  EXPECT_TRUE(link->closed());
}

TEST_F(RtmpLinkTest, WritesC0C1AndFailsWithTheOwnersWordWhenThePeerCloses) {
  make_link();
  peer.serve([&] { peer.socket.close(); });
  link->start(link);
  io.run();
  EXPECT_EQ(peer.c0c1[0], 3);  // C0: RTMP version 3
  EXPECT_EQ(owner.calls, (std::vector<std::string>{"stopped", "failed: peer gone"}));
}

TEST_F(RtmpLinkTest, AReadWithAnErrorGoesToTheOwnerFirstThenFailsTheLink) {
  make_link();
  answer_bad_version();
  link->start(link);
  io.run();
  ASSERT_EQ(owner.calls.size(), 3u);
  EXPECT_EQ(owner.calls[0], "read 0 error");
  EXPECT_EQ(owner.calls[1], "stopped");
  EXPECT_EQ(owner.calls[2].rfind("failed: handshake: ", 0), 0u) << owner.calls[2];
}

TEST_F(RtmpLinkTest, AnOwnerThatEndsTheLinkInItsReadIsNotFailedAgain) {
  make_link();
  owner.fail_in_read = true;
  answer_bad_version();
  link->start(link);
  io.run();
  EXPECT_EQ(owner.calls, (std::vector<std::string>{"read 0 error", "stopped",
                                                   "failed: the owner's own reason"}));
}

TEST_F(RtmpLinkTest, NotStartedInTimeFailsWithTheLateReason) {
  make_link(1);
  peer.serve([] {});  // accepts and never answers
  const auto t0 = std::chrono::steady_clock::now();
  link->start(link);
  io.run();  // ends once the link closed its socket: nothing else waits
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(elapsed, std::chrono::milliseconds(990));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_EQ(owner.calls, (std::vector<std::string>{"stopped", "failed: late"}));
}

TEST_F(RtmpLinkTest, ACloseByTheOwnerStopsOnceAndReportsNoFailure) {
  make_link(1);
  peer.serve([&] {
    link->close("by the manager");
    link->close("again");
    link->fail("too late");
  });
  const auto t0 = std::chrono::steady_clock::now();
  link->start(link);
  io.run();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(900));  // no deadline
  EXPECT_EQ(owner.calls, (std::vector<std::string>{"stopped"}));
  EXPECT_TRUE(link->closed());
}

}  // namespace
}  // namespace minirtc::server
