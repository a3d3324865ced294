#pragma once
// Cluster-wide admin listings (api::FanOut, docs/cluster.md "Cluster-wide admin"): asks every
// target node at once with a GET carrying this node's admin key (`Authorization: Bearer`), on the
// server's event loop (server/callback_http: Beast's client, one connection per request, one
// deadline for all of it, the answer's size bounded), and resumes the HTTP session's coroutine when
// every node has answered or failed. Nothing blocks the loop; the wait is at most the fan-out's
// timeout (plus a second's margin, after which a node still silent counts as "no answer in
// time"). Answers come back in the order of the targets; a URL that cannot be used is that node's
// error, never the request's.

#include <vector>

#include <boost/asio/awaitable.hpp>

#include "api/request.hpp"
#include "server/context.hpp"

namespace minirtc::server {

boost::asio::awaitable<std::vector<api::NodeAnswer>> ask_nodes(ServerContext& ctx,
                                                               const api::FanOut& fan_out);

}  // namespace minirtc::server
