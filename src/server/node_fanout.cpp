#include "server/node_fanout.hpp"

#include <chrono>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/callback_http.hpp"
#include "webhook/url.hpp"

namespace minirtc::server {

namespace asio = boost::asio;

namespace {

/// Client TLS for nodes whose public URL is https: the system's CAs, host names checked
/// (callback_http verifies the peer). One per process: the server runs one loop.
asio::ssl::context& client_tls() {
  static asio::ssl::context tls = [] {
    asio::ssl::context c(asio::ssl::context::tls_client);
    c.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    c.set_default_verify_paths(ec);  // none: https nodes fail their handshake, reported per node
    c.set_verify_mode(asio::ssl::verify_peer);
    return c;
  }();
  return tls;
}

struct Pending {
  explicit Pending(asio::any_io_executor ex, std::size_t n) : answers(n), left(n), done(ex) {}
  std::vector<api::NodeAnswer> answers;
  std::vector<bool> answered = std::vector<bool>(answers.size(), false);
  std::size_t left;
  asio::steady_timer done;  // cancelled when the last answer is in
};

}  // namespace

asio::awaitable<std::vector<api::NodeAnswer>> ask_nodes(ServerContext& ctx,
                                                        const api::FanOut& fan_out) {
  const auto timeout = std::chrono::milliseconds(fan_out.timeout_ms);
  auto pending = std::make_shared<Pending>(ctx.io.get_executor(), fan_out.targets.size());
  for (std::size_t i = 0; i < fan_out.targets.size(); ++i) {
    auto url = webhook::parse_callback_url(fan_out.targets[i].url);
    if (!url) {
      pending->answers[i] = {0, {}, "its URL cannot be used: " + url.error().reason};
      pending->answered[i] = true;
      --pending->left;
      continue;
    }
    PostRequest req;
    req.url = std::move(*url);
    req.method = "GET";
    req.user_agent = "minirtc-node";
    req.timeout = timeout;
    req.max_response_bytes = fan_out.max_answer_bytes;
    req.headers.emplace_back("Authorization", "Bearer " + ctx.config.admin_key);
    post_callback(ctx.io, client_tls(), std::move(req), [pending, i](PostOutcome outcome) {
      if (pending->answered[i]) return;
      pending->answered[i] = true;
      auto& a = pending->answers[i];
      // No whole answer (error set): its status, if any came, says whether the node was reached.
      a = {outcome.status, outcome.error.empty() ? std::move(outcome.body) : std::string(),
           std::move(outcome.error)};
      if (--pending->left == 0) pending->done.cancel();
    });
  }
  if (pending->left > 0) {
    // The requests keep their own deadline; this one only guards against a request that never
    // completes (the loop stopping excepted).
    pending->done.expires_after(timeout + std::chrono::seconds(1));
    co_await pending->done.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  for (std::size_t i = 0; i < pending->answers.size(); ++i)
    if (!pending->answered[i]) {
      pending->answered[i] = true;  // a late completion is ignored
      pending->answers[i] = {0, {}, "no answer in time"};
    }
  co_return std::move(pending->answers);
}

}  // namespace minirtc::server
