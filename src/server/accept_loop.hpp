#pragma once
// Accepting connections at a door (RTMP, HTTP): admission by the door's rule
// (server/admission.hpp), and what happens when the process runs out of file descriptors.
//
// Out of descriptors, accept() fails with EMFILE (the process's limit) or ENFILE (the system's)
// and the connection stays in the listen backlog, so the listening socket stays readable: a loop
// that retries at once spins at 100% CPU and logs the failure as fast as it can (the unfixed
// server wrote ~65 MB/s of one line). So on those errors (and ENOBUFS/ENOMEM) the loop waits
// before the next try, 50 ms doubling to 1 s, reset by the next success, and the log line goes
// through the rate limiter (server/log_limiter.hpp). Waiting clients stay in the backlog and are
// served as soon as descriptors are free again. Other accept errors concern one connection only
// and are retried at once.
//
// At start, the soft RLIMIT_NOFILE is raised to the hard limit (raise_descriptor_limit), so the
// door limits, not a low default soft limit, decide how many connections the server holds.

#include <chrono>
#include <cstdint>
#include <functional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "server/admission.hpp"
#include "server/context.hpp"

namespace minirtc::server {

struct AcceptBackoff {
  static constexpr std::chrono::milliseconds kFirst{50};
  static constexpr std::chrono::milliseconds kMax{1000};
  /// The wait after another failure, given the previous wait (zero after a success).
  static std::chrono::milliseconds next(std::chrono::milliseconds previous) {
    if (previous < kFirst) return kFirst;
    return previous >= kMax / 2 ? kMax : previous * 2;
  }
};

/// EMFILE, ENFILE, ENOBUFS, ENOMEM: the process or system is out of a resource.
bool is_resource_exhaustion(const boost::system::error_code& ec) noexcept;

/// Starts the session of an admitted connection (`id` in ctx.connections, unauthenticated).
using StartConnection = std::function<void(boost::asio::ip::tcp::socket, std::uint64_t id)>;

/// Accepts until the acceptor closes; refused connections are closed at once (counted in
/// Metrics::connections_refused, logged rate-limited).
boost::asio::awaitable<void> accept_loop(ServerContext& ctx,
                                         boost::asio::ip::tcp::acceptor& acceptor, Door door,
                                         StartConnection start);

/// Raises the soft RLIMIT_NOFILE to the hard limit and logs both.
void raise_descriptor_limit();

}  // namespace minirtc::server
