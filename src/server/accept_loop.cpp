#include "server/accept_loop.hpp"

#include <cerrno>
#include <cstring>

#include <sys/resource.h>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/log_limiter.hpp"
#include "server/socket_options.hpp"

namespace minirtc::server {

namespace asio = boost::asio;
using asio::ip::tcp;

bool is_resource_exhaustion(const boost::system::error_code& ec) noexcept {
  if (ec.category() != boost::system::system_category()) return false;
  const int e = ec.value();
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

asio::awaitable<void> accept_loop(ServerContext& ctx, tcp::acceptor& acceptor, Door door,
                                  StartConnection start) {
  constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
  const auto name = door_name(door);
  std::chrono::milliseconds backoff{0};
  asio::steady_timer timer(acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (!is_resource_exhaustion(ec)) {
        log_limited(spdlog::level::warn, "accept failed", "{} accept failed: {}", name,
                    ec.message());
        continue;
      }
      backoff = AcceptBackoff::next(backoff);
      ctx.metrics.refuse(name, "out_of_descriptors");
      log_limited(spdlog::level::warn, "accept out of resources",
                  "{} accept failed: {}; next try in {} ms", name, ec.message(), backoff.count());
      timer.expires_after(backoff);
      co_await timer.async_wait(kNoThrow);
      continue;
    }
    backoff = std::chrono::milliseconds{0};
    if (ctx.shutting_down) co_return;
    boost::system::error_code rec;
    const auto remote = socket.remote_endpoint(rec);
    if (rec) continue;  // already gone
    auto address = remote.address().to_string();
    const auto admission = ctx.connections.admit(door, address);
    if (!admission) {
      const auto reason = verdict_name(admission.verdict);
      ctx.metrics.refuse(name, reason);
      log_limited(spdlog::level::warn, "connection refused", "{} connection from {} refused: {}",
                  name, address, reason);
      continue;  // the socket closes as it goes out of scope
    }
    if (admission.verdict == Verdict::AdmitEvictingOldest) ctx.metrics.refuse(name, "evicted");
    tune_accepted_socket(socket, ctx.config.media.viewer_kernel_unsent_bytes);
    start(std::move(socket), admission.id);
  }
}

void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    spdlog::warn("file descriptors: getrlimit failed: {}", std::strerror(errno));
    return;
  }
  const auto soft = lim.rlim_cur;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      spdlog::warn("file descriptors: soft limit {} (hard {}), raising failed: {}", soft,
                   lim.rlim_max, std::strerror(errno));
      return;
    }
  }
  spdlog::info("file descriptors: soft limit {} (was {}), hard limit {}", lim.rlim_cur, soft,
               lim.rlim_max);
}

}  // namespace minirtc::server
