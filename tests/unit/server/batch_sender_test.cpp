// BatchSender on real loopback TCP sockets, in both modes: what each socket receives, what each
// target is told, full sockets (the round must not wait for room), closed peers, writes issued
// from inside a completion, and rounds larger than the ring.

#include "server/batch_sender.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace minirtc::server {
namespace {

using Mode = BatchSender::Mode;

struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

/// A connected loopback TCP pair: `sender` is non-blocking, as the server's sockets are.
struct TcpPair {
  Fd sender, receiver;
};

TcpPair make_pair(int sndbuf = 0) {
  Fd listener(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  EXPECT_EQ(::bind(listener.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  EXPECT_EQ(::listen(listener.fd, 4), 0);
  EXPECT_EQ(::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  TcpPair p;
  p.sender = Fd(::socket(AF_INET, SOCK_STREAM, 0));
  if (sndbuf > 0) ::setsockopt(p.sender.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  EXPECT_EQ(::connect(p.sender.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  p.receiver = Fd(::accept(listener.fd, nullptr, nullptr));
  ::fcntl(p.sender.fd, F_SETFL, ::fcntl(p.sender.fd, F_GETFL) | O_NONBLOCK);
  return p;
}

/// Reads exactly n bytes (blocking).
std::string read_n(int fd, std::size_t n) {
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    const auto r = ::read(fd, out.data() + got, n - got);
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  out.resize(got);
  return out;
}

struct Outcome {
  int calls = 0;
  std::size_t bytes = 0;
  int error = 0;
};

class RecordingTarget : public BatchSendTarget {
 public:
  void on_sent(std::size_t bytes, int error) override {
    ++outcome.calls;
    outcome.bytes = bytes;
    outcome.error = error;
    if (then) then();
  }
  Outcome outcome;
  std::function<void()> then;
};

std::vector<boost::asio::const_buffer> buffers_of(const std::vector<std::string>& parts) {
  std::vector<boost::asio::const_buffer> b;
  for (const auto& p : parts) b.emplace_back(p.data(), p.size());
  return b;
}

class BatchSenderTest : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    sender_ = std::make_unique<BatchSender>(GetParam(), 4);  // a small ring: rounds span chunks
    if (sender_->mode() != GetParam()) GTEST_SKIP() << "io_uring is not available here";
  }
  std::unique_ptr<BatchSender> sender_;
};

TEST_P(BatchSenderTest, RoundDeliversEachGatherWriteToItsSocket) {
  constexpr int kSockets = 10;  // more than the ring's 4 entries
  std::vector<TcpPair> pairs;
  std::vector<std::vector<std::string>> parts;
  std::vector<std::vector<boost::asio::const_buffer>> buffers;
  std::vector<std::shared_ptr<RecordingTarget>> targets;
  for (int i = 0; i < kSockets; ++i) {
    pairs.push_back(make_pair());
    parts.push_back({"head" + std::to_string(i) + ":", std::string(1000 + i, 'a' + i), "|tail"});
    targets.push_back(std::make_shared<RecordingTarget>());
  }
  for (int i = 0; i < kSockets; ++i) buffers.push_back(buffers_of(parts[i]));
  sender_->begin();
  for (int i = 0; i < kSockets; ++i) sender_->send(pairs[i].sender.fd, buffers[i], targets[i]);
  for (auto& t : targets) EXPECT_EQ(t->outcome.calls, 0) << "told before the round ended";
  sender_->finish();
  for (int i = 0; i < kSockets; ++i) {
    const auto want = parts[i][0] + parts[i][1] + parts[i][2];
    EXPECT_EQ(targets[i]->outcome.calls, 1);
    EXPECT_EQ(targets[i]->outcome.error, 0);
    EXPECT_EQ(targets[i]->outcome.bytes, want.size());
    EXPECT_EQ(read_n(pairs[i].receiver.fd, want.size()), want);
  }
  EXPECT_EQ(sender_->writes(), static_cast<std::uint64_t>(kSockets));
  if (GetParam() == Mode::IoUring)
    EXPECT_EQ(sender_->system_calls(), 3u);  // 10 writes in chunks of 4
  else
    EXPECT_EQ(sender_->system_calls(), static_cast<std::uint64_t>(kSockets));
}

TEST_P(BatchSenderTest, FullSocketReportsWhatItTookWithoutWaiting) {
  auto pair = make_pair(4096);
  std::string big(8 << 20, '\0');  // far more than the socket holds while nobody reads
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i % 251);
  std::size_t taken = 0;
  bool refused = false;
  // Each round writes the rest; the socket takes less and less, then refuses with EAGAIN.
  for (int round = 0; round < 50 && !refused; ++round) {
    std::vector<boost::asio::const_buffer> b{
        boost::asio::buffer(big.data() + taken, big.size() - taken)};
    auto target = std::make_shared<RecordingTarget>();
    const auto t0 = std::chrono::steady_clock::now();
    sender_->begin();
    sender_->send(pair.sender.fd, b, target);
    sender_->finish();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500))
        << "the round waited for room";
    ASSERT_EQ(target->outcome.calls, 1);
    ASSERT_LT(target->outcome.bytes, big.size() - taken);
    ASSERT_TRUE(target->outcome.error == 0 || target->outcome.error == EAGAIN)
        << std::strerror(target->outcome.error);
    refused = target->outcome.bytes == 0 && target->outcome.error == EAGAIN;
    taken += target->outcome.bytes;
  }
  EXPECT_TRUE(refused);
  EXPECT_GT(taken, 0u);
  // What was taken arrives intact and in order.
  EXPECT_EQ(read_n(pair.receiver.fd, taken), big.substr(0, taken));
}

TEST_P(BatchSenderTest, ClosedPeerIsAnErrorOfThatWriteOnly) {
  auto gone = make_pair();
  auto alive = make_pair();
  gone.receiver = Fd();  // the player went away
  const std::string data = "payload";
  std::vector<boost::asio::const_buffer> b{boost::asio::buffer(data)};
  int error = 0;
  // The first write after a close may still be accepted (the reset comes back after it).
  for (int attempt = 0; attempt < 5 && error == 0; ++attempt) {
    auto t_gone = std::make_shared<RecordingTarget>();
    auto t_alive = std::make_shared<RecordingTarget>();
    sender_->begin();
    sender_->send(gone.sender.fd, b, t_gone);
    sender_->send(alive.sender.fd, b, t_alive);
    sender_->finish();  // must not raise SIGPIPE
    error = t_gone->outcome.error;
    EXPECT_EQ(t_alive->outcome.error, 0);
    EXPECT_EQ(read_n(alive.receiver.fd, data.size()), data);
  }
  EXPECT_TRUE(error == EPIPE || error == ECONNRESET) << std::strerror(error);
}

TEST_P(BatchSenderTest, OutsideARoundTheWriteHappensAtOnce) {
  auto pair = make_pair();
  const std::string data = "now";
  std::vector<boost::asio::const_buffer> b{boost::asio::buffer(data)};
  auto target = std::make_shared<RecordingTarget>();
  sender_->send(pair.sender.fd, b, target);
  EXPECT_EQ(target->outcome.calls, 1);
  EXPECT_EQ(target->outcome.bytes, data.size());
  EXPECT_EQ(read_n(pair.receiver.fd, data.size()), data);
}

TEST_P(BatchSenderTest, TargetsMayWriteAgainFromTheirCompletion) {
  auto pair = make_pair();
  const std::string first = "first,", second = "second";
  std::vector<boost::asio::const_buffer> b1{boost::asio::buffer(first)};
  std::vector<boost::asio::const_buffer> b2{boost::asio::buffer(second)};
  auto target = std::make_shared<RecordingTarget>();
  auto follow_up = std::make_shared<RecordingTarget>();
  target->then = [&] { sender_->send(pair.sender.fd, b2, follow_up); };
  sender_->begin();
  sender_->send(pair.sender.fd, b1, target);
  sender_->finish();
  EXPECT_EQ(follow_up->outcome.calls, 1);
  EXPECT_EQ(follow_up->outcome.bytes, second.size());
  EXPECT_EQ(read_n(pair.receiver.fd, first.size() + second.size()), first + second);
}

TEST_P(BatchSenderTest, EmptyRoundIsFree) {
  sender_->begin();
  sender_->finish();
  EXPECT_EQ(sender_->system_calls(), 0u);
  EXPECT_FALSE(sender_->collecting());
}

INSTANTIATE_TEST_SUITE_P(Modes, BatchSenderTest, ::testing::Values(Mode::IoUring, Mode::Sendmsg),
                         [](const auto& info) {
                           return std::string(BatchSender::name(info.param));
                         });

}  // namespace
}  // namespace minirtc::server
