#pragma once
// A Redis client driven by the node's Asio loop through hiredis's async API (Debian's
// libhiredis 0.14): hiredis formats commands and parses replies (no RESP code of ours); its
// read/write hooks become `posix::stream_descriptor::async_wait` on the loop's executor, so the
// loop never blocks on Redis (names are resolved with Asio's resolver, not hiredis's blocking
// getaddrinfo).
//
// Contract:
// - One `Client` = two connections to one Redis: commands (and PUBLISH) on one, SUBSCRIBE on the
//   other (a subscribed connection takes no other commands). Use a Client from its executor's
//   thread only; every callback runs there, posted, never inside a hiredis call, so a callback may
//   issue commands or destroy the Client.
// - `command` sends one command with binary-safe arguments (redisAsyncCommandArgv). Replies come
//   back in the order the commands were issued (pipelining keeps order). A Redis error reply
//   (`-ERR ...`) is a `Reply` of type Error; the `Result` is an error only when the command got
//   no reply: not connected, connection lost, too many commands in flight, or a command that
//   would change the connection itself (SELECT, SUBSCRIBE & co, MONITOR, HELLO, RESET: the
//   database comes from the URL, subscriptions from subscribe()).
// - States: the Client is up when both connections are up (SELECTed, every subscription
//   confirmed). Commands issued while a connection attempt is under way are held until its
//   SELECT succeeds (none runs in the wrong database) and fail with it; while down (between
//   attempts) they fail at once ("redis HOST:PORT: not connected: <why>"). When a
//   connection drops, every command in flight fails at once ("redis HOST:PORT: connection lost"),
//   the state goes down, and the Client reconnects by itself with exponential backoff
//   (`retry_delay`), SELECTs the database again and re-subscribes every channel; `on_state(true)`
//   then tells callers to re-write what Redis may have lost.
// - An attempt that is not up within `connect_timeout` (TCP connect, AUTH, SELECT, subscriptions)
//   is dropped and retried.
// - Destroying the Client frees both hiredis contexts (exactly once: hiredis frees a context
//   itself when its connection fails, and tells us through its cleanup hook) and drops every
//   callback not yet run: after the destructor returns, no callback of this Client runs. Destroy
//   the Client before its io_context.
// - `check_reachable` is the one blocking call (hiredis's blocking API): for `serve` at start
//   only, to fail fast with a clear message when Redis is unreachable.
// Limits: at most `max_in_flight` commands wait for replies per Client (more fail at once); the
// Redis server is trusted, replies are bounded by what hiredis accepts.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "util/result.hpp"

namespace minirtc::redis {

/// Where Redis is: `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]` (port 6379 and db 0 by default).
struct Url {
  std::string host;  // name or address, IPv6 without brackets
  std::uint16_t port = 6379;
  int db = 0;
  std::string user;      // for `AUTH user password` (Redis 6 ACL); empty: `AUTH password`
  std::string password;  // empty: no AUTH
  std::string text;      // the URL as given, password replaced by "***": for messages and logs

  /// "HOST:PORT" ("[::1]:6379" for IPv6), the prefix of every error of a Client.
  std::string host_port() const;
};

/// Parses a `redis://` URL (Boost.URL). Refuses other schemes, a path that is not a database
/// number, queries and fragments, with the reason.
Result<Url> parse_url(std::string_view text);

/// One reply, copied out of hiredis's redisReply.
struct Reply {
  enum class Type { Nil, Integer, String, Status, Error, Array };
  Type type = Type::Nil;
  long long integer = 0;        // Integer
  std::string str;              // String (binary-safe), Status ("OK"), Error ("ERR ...")
  std::vector<Reply> elements;  // Array

  bool is_nil() const { return type == Type::Nil; }
  bool is_error() const { return type == Type::Error; }
  bool is_ok() const { return type == Type::Status && str == "OK"; }
};

/// The backoff before reconnect attempt `failures` (0 for the first retry): `min` doubled per
/// failure, at most `max`.
std::chrono::milliseconds retry_delay(unsigned failures, std::chrono::milliseconds min,
                                      std::chrono::milliseconds max);

/// Blocking: connects, AUTHs, SELECTs and PINGs once. Error: "cannot reach Redis at URL: why".
/// For `serve` at start only (never on a running loop).
Status check_reachable(const Url& url, std::chrono::milliseconds timeout);

class Link;  // one of the Client's two connections (client.cpp)

class Client {
 public:
  struct Options {
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds retry_min{100};
    std::chrono::milliseconds retry_max{2000};
    std::size_t max_in_flight = 65536;
  };
  using ReplyCallback = std::function<void(Result<Reply>)>;
  /// (channel, message); the message is binary-safe.
  using MessageCallback = std::function<void(const std::string& channel, const std::string& msg)>;
  using StateCallback = std::function<void(bool up)>;

  /// Starts connecting at once (both connections); never blocks.
  Client(boost::asio::any_io_executor executor, Url url, Options options);
  Client(boost::asio::any_io_executor executor, Url url);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Sends one command; `cb` (may be empty) gets its reply. Arguments are copied before return.
  void command(std::span<const std::string_view> args, ReplyCallback cb);
  void command(const std::vector<std::string>& args, ReplyCallback cb);

  /// PUBLISH on the command connection; the reply is the number of receivers.
  void publish(std::string_view channel, std::string_view message, ReplyCallback cb = {});

  /// Subscribes `channel` (replacing its callback if already subscribed); kept across reconnects.
  /// `on_subscribed` (may be empty) runs once, when Redis confirms the subscription (after a
  /// reconnect if the subscriber connection is down now): messages published after that arrive.
  void subscribe(const std::string& channel, MessageCallback on_message,
                 std::function<void()> on_subscribed = {});
  /// No message of `channel` is delivered after this call.
  void unsubscribe(const std::string& channel);

  /// Adds a listener for up/down changes: true when the Client first comes up and after every
  /// reconnect (re-write what Redis may have lost then), false when a connection drops. Not
  /// called with the current state.
  void on_state(StateCallback cb);
  bool up() const;
  const Url& url() const;

 private:
  friend class Link;
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with weak references in pending Asio handlers
};

}  // namespace minirtc::redis
