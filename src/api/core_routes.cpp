// /healthz, /metrics, /v1/signal without an upgrade, FLV play paths not handed over.

#include "api/metrics_label.hpp"
#include "api/routes.hpp"

namespace minirtc::api {

void add_core_routes(Router& router, Services& services) {
  const RouteOptions raw{.raw_query = true};
  router.add(
      {"GET", "HEAD"}, "/healthz", [](const Call&) { return json_reply(R"({"ok":true})"); }, raw);
  router.add(
      {"GET", "HEAD"}, "/metrics",
      [&services](const Call&) {
        // A cluster node labels every sample with its id (docs/cluster.md).
        const auto node = services.node_id();
        Reply r = json_reply(node.empty() ? services.metrics_text()
                                          : label_samples(services.metrics_text(), "node", node));
        r.content_type = "text/plain; version=0.0.4";
        return r;
      },
      raw);
  router.get(
      "/v1/signal",
      [](const Call&) { return json_error(426, "signalling needs a WebSocket upgrade"); }, raw);
  // Any path /live/{key}.flv, '/' in the key included: the key's checks answer 403.
  router.get(
      "/live/{key...}.flv",
      [&services](const Call& c) {
        return json_error(403,
                          services.play_refusal(c.param("key"), c.request.query, c.request.now_ms));
      },
      raw);
}

}  // namespace minirtc::api
