#pragma once
// The built-in routes over a real RoomService and SignalDispatcher (signal/signal_fixture.hpp:
// fake URLs and token checker), with fixed apps, streams and a fixed random value: what the
// server's services would answer, without a socket.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "api/routes.hpp"
#include "unit/signal/signal_fixture.hpp"

namespace minirtc::api::testing {

using room::testing::kApp;

inline const std::string kAdminKey = "admin-secret";
inline const std::string kDevApp = "devdevdevdevdevdevdevdev";

class TestServices final : public Services {
 public:
  TestServices(room::RoomService& rooms, signal::SignalDispatcher& dispatcher)
      : rooms_(rooms), dispatcher_(dispatcher) {}

  std::vector<AppInfo> apps() const override { return app_list; }
  std::string http_base() const override { return base; }
  std::vector<room::RoomSummary> list_rooms(std::string_view app_id) const override {
    return rooms_.list_rooms(app_id);
  }
  std::optional<room::RoomView> room(std::string_view app_id,
                                     std::string_view room_id) const override {
    return rooms_.room(app_id, room_id);
  }
  room::Outcome kick(std::string_view app_id, std::string_view room_id, std::string_view user_id,
                     std::string_view reason, std::uint64_t now) override {
    return rooms_.kick(app_id, room_id, user_id, reason, now);
  }
  room::Outcome dismiss(std::string_view app_id, std::string_view room_id, std::string_view reason,
                        std::uint64_t now) override {
    return rooms_.dismiss(app_id, room_id, reason, now);
  }
  room::Outcome forbid_publish(std::string_view app_id, std::string_view room_id,
                               std::string_view user_id, bool forbidden,
                               std::uint64_t now) override {
    return rooms_.forbid_publish(app_id, room_id, user_id, forbidden, now);
  }
  signal::HttpReply report(std::string_view body, std::uint64_t now) override {
    return dispatcher_.on_report(body, now);
  }
  std::vector<StreamRow> streams(std::uint64_t) override { return stream_rows; }
  std::string play_refusal(std::string_view key, std::string_view query, std::uint64_t) override {
    return "no URL for " + std::string(key) + " with " + std::string(query);
  }
  std::string play_url(const StreamId& id, std::string_view viewer, std::uint64_t now) override {
    return base + "/live/" + stream_key(id) + ".flv?viewer=" + std::string(viewer) +
           "&at=" + std::to_string(now);
  }
  std::string metrics_text() override { return "minirtc_rooms 0\n"; }
  std::uint32_t random_u32() override { return 0x2a; }

  // Cluster mode when `self` is set: `elsewhere` are the rooms other nodes hold.
  std::string node_id() const override { return self; }
  std::vector<RemoteRoom> remote_rooms(std::string_view app_id) const override {
    std::vector<RemoteRoom> out;
    for (const auto& r : elsewhere)
      if (r.summary.app_id == app_id) out.push_back(r);
    return out;
  }
  std::optional<NodeRef> room_elsewhere(std::string_view app_id,
                                        std::string_view room_id) const override {
    for (const auto& r : elsewhere)
      if (r.summary.app_id == app_id && r.summary.room_id == room_id) return r.node;
    return std::nullopt;
  }
  std::vector<NodeRef> other_nodes() const override { return others; }
  ForwardLimiter::Decision admit_forward(std::string_view client, std::uint64_t now) override {
    return forwards.admit(client, now);
  }
  ForwardLimiter forwards;  // the default limits
  std::string self;
  std::vector<RemoteRoom> elsewhere;
  std::vector<NodeRef> others;  // the other live nodes

  std::vector<AppInfo> app_list{{kApp, "app-key", false}, {kDevApp, "dev-key", true}};
  std::string base = "http://127.0.0.1:8080";
  std::vector<StreamRow> stream_rows;

 private:
  room::RoomService& rooms_;
  signal::SignalDispatcher& dispatcher_;
};

class ApiTest : public signal::testing::SignalTest {
 protected:
  ApiTest() : services(rooms, dispatcher) {
    router.set_admin_key(kAdminKey);
    add_builtin_routes(router, services);
  }

  /// One request; `auth`: the Authorization headers.
  Reply request(std::string_view method, std::string_view target, std::string_view body = "",
                std::vector<std::string_view> auth = {}) {
    Request r;
    r.method = method;
    const auto q = target.find('?');
    r.path = target.substr(0, q);
    r.query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    r.body = body;
    r.authorizations = std::move(auth);
    r.now_ms = now;
    r.client = client;
    return router.handle(r);
  }
  Reply admin(std::string_view method, std::string_view target, std::string_view body = "") {
    return request(method, target, body, {bearer});
  }

  std::string bearer = "Bearer " + kAdminKey;
  std::string client = "192.0.2.1";  // Request::client
  TestServices services;
  Router router;
};

/// {"error": reason}.
inline std::string error_body(std::string_view reason) {
  return R"({"error":")" + std::string(reason) + "\"}";
}

}  // namespace minirtc::api::testing
