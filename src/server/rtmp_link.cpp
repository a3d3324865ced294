#include "server/rtmp_link.hpp"

#include <chrono>
#include <span>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "server/log_limiter.hpp"
#include "server/socket_options.hpp"

namespace minirtc::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadBufferBytes = 64 * 1024;
}  // namespace

RtmpLink::RtmpLink(asio::io_context& io, RtmpLinkOwner& owner, Options options,
                   rtmp::PlayTarget target, Result<std::pair<std::string, std::uint16_t>> address)
    : owner_(owner),
      options_(std::move(options)),
      address_(std::move(address)),
      socket_(io),
      deadline_(io),
      client_(std::move(target)) {}

void RtmpLink::start(std::shared_ptr<void> keep_alive) {
  deadline_.expires_after(std::chrono::seconds(options_.start_timeout_s));
  deadline_.async_wait(
      [this, weak = std::weak_ptr<void>(keep_alive)](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto alive = weak.lock(); alive && !started_) fail(std::string(options_.late));
      });
  asio::co_spawn(
      socket_.get_executor(), [this, keep_alive]() { return run(keep_alive); }, asio::detached);
}

void RtmpLink::mark_started() {
  started_ = true;
  deadline_.cancel();
}

void RtmpLink::close(std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  spdlog::info("{}: closed: {}", options_.name, reason);
  stop();
}

void RtmpLink::fail(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  log_limited(spdlog::level::warn, options_.ended_key, "{}: ended: {}", options_.name, reason);
  stop();
  owner_.link_failed(reason);
}

void RtmpLink::stop() {
  deadline_.cancel();
  owner_.link_stopped();
  boost::system::error_code ec;
  socket_.close(ec);
}

asio::awaitable<void> RtmpLink::run([[maybe_unused]] std::shared_ptr<void> keep_alive) {
  if (!address_) co_return fail(address_.error().reason);
  tcp::resolver resolver(socket_.get_executor());
  auto [rec, endpoints] =
      co_await resolver.async_resolve(address_->first, std::to_string(address_->second), kNoThrow);
  if (closed_) co_return;
  if (rec) co_return fail("resolve: " + rec.message());
  auto [cec, ep] = co_await asio::async_connect(socket_, endpoints, kNoThrow);
  if (closed_) co_return;
  if (cec) co_return fail("connect: " + cec.message());
  // As an accepted socket: no Nagle delay, and the kernel's unsent bytes bounded when asked.
  tune_accepted_socket(socket_, options_.kernel_unsent_limit);
  std::vector<std::uint8_t> out;
  client_.start(out);
  std::vector<std::uint8_t> buffer(kReadBufferBytes);
  std::vector<rtmp::PlayEvent> events;
  for (;;) {
    if (!out.empty()) {
      auto [wec, n] = co_await asio::async_write(socket_, asio::buffer(out), kNoThrow);
      if (closed_) co_return;
      if (wec) co_return fail("write: " + wec.message());
      out.clear();
    }
    auto [rec2, n] = co_await socket_.async_read_some(asio::buffer(buffer), kNoThrow);
    if (closed_) co_return;
    if (rec2)
      co_return fail(rec2 == asio::error::eof ? std::string(options_.peer_closed)
                                              : "read: " + rec2.message());
    events.clear();
    auto st = client_.feed(std::span(buffer.data(), n), out, events);
    owner_.link_read(events, out, st);
    if (closed_) co_return;
    if (!st) co_return fail(st.error().reason);
  }
}

}  // namespace minirtc::server
