#pragma once
// A signalling client for the load generator: a WebSocket to /v1/signal carrying JSON-RPC 2.0
// text frames (docs/protocol.md §4). It matches results to requests by id and reports how long
// each took; notifications go to a callback. One io_context, no threads of its own.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

namespace minirtc::bench {

class SignalClient : public std::enable_shared_from_this<SignalClient> {
 public:
  /// result or error (error is non-null on failure), and the round trip in nanoseconds.
  using ReplyHandler = std::function<void(const boost::json::value& result,
                                          const boost::json::object* error, std::int64_t rtt_ns)>;
  struct Handlers {
    std::function<void()> on_open;
    std::function<void(std::string_view method, const boost::json::object& params,
                       std::int64_t now_ns)>
        on_notification;
    std::function<void(const std::string& reason)> on_closed;  // at most once
  };
  /// Frames larger than this are refused (the protocol's limit).
  static constexpr std::size_t kMaxFrame = 64 * 1024;

  SignalClient(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint,
               std::string host_header, Handlers handlers);
  void start();
  void close();
  void call(std::string_view method, boost::json::object params, ReplyHandler on_reply);
  bool open() const noexcept { return open_; }

 private:
  void read();
  void on_message();
  void flush();
  void fail(const std::string& reason);

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::string host_;
  Handlers handlers_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> out_;
  bool writing_ = false;
  bool open_ = false;
  bool closed_ = false;
  std::int64_t next_id_ = 1;
  struct Pending {
    std::int64_t sent_ns;
    ReplyHandler handler;
  };
  std::unordered_map<std::int64_t, Pending> pending_;
};

}  // namespace minirtc::bench
