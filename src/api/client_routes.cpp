// The routes mini programs call: /v1/config, /v1/report, /v1/dev/token (docs/protocol.md).

#include <algorithm>
#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "api/routes.hpp"
#include "auth/access_token.hpp"

namespace minirtc::api {

namespace json = boost::json;

namespace {

/// {"appId", "signalUrls": [ws(s)://.../v1/signal], "reportUrl"}.
Reply config(Services& services, const Call& c) {
  auto app_id = c.query.get("appId");
  if (!app_id || app_id->empty()) return json_error(400, "appId is required");
  bool known = false;
  for (const auto& app : services.apps()) known = known || app.id == *app_id;
  if (!known) {
    Reply r = json_error(404, "unknown appId");
    r.rejected = "config_unknown_app";
    return r;
  }
  const std::string base = services.http_base();
  const std::string ws = base.starts_with("https://") ? "wss://" + base.substr(8)
                                                      : "ws://" + base.substr(base.find("://") + 3);
  json::object o;
  o["appId"] = *app_id;
  o["signalUrls"] = json::array{json::value(ws + "/v1/signal")};
  if (auto urls = services.signal_urls(); !urls.empty())
    o["signalUrls"] = json::array(urls.begin(), urls.end());
  o["reportUrl"] = base + "/v1/report";
  return json_reply(json::serialize(o));
}

/// Applied here; or, in cluster mode, when this node does not know the session and the body names
/// a room another live node holds, 202 {"forwarded": node} with the report sent to that node
/// (docs/protocol.md §5): the client does not get that node's answer. Forwards are rate-limited
/// (api/forward_limiter.hpp): over the client address's or the node's limit, 429 with Retry-After.
Reply report(Services& services, const Call& c) {
  auto r = services.report(c.request.body, c.request.now_ms);
  if (r.status == 404 && !r.app_id.empty() && !services.node_id().empty() &&
      !services.room(r.app_id, r.room_id)) {
    if (auto node = services.room_elsewhere(r.app_id, r.room_id)) {
      if (auto d = services.admit_forward(c.request.client, c.request.now_ms);
          d.verdict != ForwardLimiter::Verdict::Allowed) {
        const bool client = d.verdict == ForwardLimiter::Verdict::ClientOver;
        const auto retry_s = std::max<std::uint64_t>(1, (d.retry_after_ms + 999) / 1000);
        Reply reply = json_error(
            429, fmt::format("too many reports for sessions on other nodes {}: retry after {} s",
                             client ? "from this address" : "on this node", retry_s));
        reply.headers.emplace_back("Retry-After", std::to_string(retry_s));
        reply.rejected = client ? "report_forward_client_limit" : "report_forward_node_limit";
        reply.log =
            LogLine{LogLine::Level::Info, "report forward limited",
                    fmt::format("report for room {}/{} not forwarded to node {}: {} limit",
                                r.app_id, r.room_id, node->id, client ? "client address" : "node")};
        return reply;
      }
      json::object o;
      o["forwarded"] = node->id;
      Reply reply = json_reply(json::serialize(o), 202);
      reply.effects.emplace_back(ForwardReport{node->id, std::string(c.request.body)});
      return reply;
    }
    Reply reply = json_error(
        404, fmt::format("unknown session: no live node holds room {}/{}", r.app_id, r.room_id));
    reply.rejected = "report_refused";
    return reply;
  }
  Reply reply = json_reply(std::move(r.body), static_cast<unsigned>(r.status));
  if (r.status != 200) reply.rejected = "report_refused";
  reply.effects.emplace_back(std::move(r.dispatch));
  return reply;
}

/// A token for the development app (the embedded default's): 24 hours, publish and subscribe.
/// Without appId, the development app is meant (the last one, when several are configured).
Reply dev_token(Services& services, const Call& c) {
  auto app_id = c.query.get("appId"), room_id = c.query.get("roomId"),
       user_id = c.query.get("userId");
  const auto apps = services.apps();
  const AppInfo* app = nullptr;
  for (const auto& a : apps)
    if (app_id ? a.id == *app_id : a.development) app = &a;
  if (!app || !app->development)
    return json_error(403, "development tokens exist only for the embedded default's app");
  if (!room_id || !user_id || !is_valid_id(*room_id) || !is_valid_id(*user_id))
    return json_error(400, "roomId and userId are required: 1-128 characters [a-zA-Z0-9@_.-]");
  const auto issued = static_cast<std::uint32_t>(c.request.now_ms / 1000);
  Reply r = json_reply(token_json(*app, {.room_id = *room_id,
                                         .user_id = *user_id,
                                         .nonce = services.random_u32(),
                                         .issued_at = issued,
                                         .expire_at = issued + 24 * 3600}));
  r.log = LogLine{LogLine::Level::Warn, "dev token",
                  fmt::format("DEV TOKEN handed out: app={} room={} user={} (development app only)",
                              app->id, *room_id, *user_id)};
  return r;
}

}  // namespace

std::string token_json(const AppInfo& app, const TokenGrant& grant) {
  auth::AccessToken t;
  t.app_id = app.id;
  t.room_id = std::string(grant.room_id);
  t.user_id = std::string(grant.user_id);
  t.nonce = grant.nonce;
  t.issued_at = grant.issued_at;
  t.expire_at = grant.expire_at;
  if (grant.publish) t.add_privilege(auth::Privilege::PublishStream, t.expire_at);
  if (grant.subscribe) t.add_privilege(auth::Privilege::SubscribeStream, t.expire_at);
  json::object o;
  o["appId"] = app.id;
  o["token"] = auth::encode_token(t, app.key);
  o["expireAt"] = t.expire_at;
  return json::serialize(o);
}

void add_client_routes(Router& router, Services& services) {
  router.get("/v1/config", [&services](const Call& c) { return config(services, c); });
  // The report body's size and shape are checked by its parser (signal/report_json.hpp).
  router.post("/v1/report", [&services](const Call& c) { return report(services, c); },
              {.max_body_bytes = 0});
  router.get("/v1/dev/token", [&services](const Call& c) { return dev_token(services, c); });
}

}  // namespace minirtc::api
