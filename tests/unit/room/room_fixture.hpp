#pragma once
// Shared test helpers for the room state machine: a deterministic MediaUrls and a fixture with
// shortcuts for joining users and picking notifications/effects out of an Outcome.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "room/room_service.hpp"

namespace minirtc::room {
inline void PrintTo(const Notification& n, std::ostream* os) {
  *os << method_name(n.kind) << "{uid=" << n.uid << " screen=" << n.screen << " a=" << n.audio
      << " v=" << n.video << " url=" << n.url << " reason=" << n.reason << "}";
}
}  // namespace minirtc::room

namespace minirtc::room::testing {

/// URLs that show what was signed: "pub:{key}#{nonce}" and "play:{fmt}:{key}:{viewer}#{nonce}".
class FakeUrls : public MediaUrls {
 public:
  /// `token_prefix`: two services (two nodes) in one test hand out distinct session tokens.
  explicit FakeUrls(std::string token_prefix = "token-") : token_prefix_(std::move(token_prefix)) {}
  std::string publish_url(const StreamId& stream, std::string_view nonce, std::uint64_t) override {
    return "pub:" + stream_key(stream) + "#" + std::string(nonce);
  }
  std::string play_url(const StreamId& stream, std::string_view viewer, PlayFormat format,
                       std::string_view nonce, std::uint64_t) override {
    return "play:" + std::string(to_string(format)) + ":" + stream_key(stream) + ":" +
           std::string(viewer) + "#" + std::string(nonce);
  }
  std::string new_nonce() override {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016x", ++nonces_);
    return buf;
  }
  std::string new_session_token() override { return token_prefix_ + std::to_string(++tokens_); }

 private:
  std::string token_prefix_;
  unsigned nonces_ = 0;
  unsigned tokens_ = 0;
};

inline const std::string kApp = "0123456789abcdef01234567";

inline Grant full_grant() {
  Grant g;
  g.join = g.publish = g.subscribe = true;
  return g;
}

inline StreamId sid_of(const std::string& user, StreamKind kind = StreamKind::Main,
                       const std::string& room = "r1") {
  return StreamId{kApp, room, user, kind};
}

/// The notifications of `out` addressed to `to`, in order.
inline std::vector<Notification> notes(const Outcome& out, SessionId to) {
  std::vector<Notification> v;
  for (const auto& a : out.notifications)
    if (a.to == to) v.push_back(a.notification);
  return v;
}

template <class T>
std::vector<T> effects(const Outcome& out) {
  std::vector<T> v;
  for (const auto& e : out.effects)
    if (const T* t = std::get_if<T>(&e)) v.push_back(*t);
  return v;
}

inline Notification n_peer(NotificationKind k, std::string uid) {
  Notification n;
  n.kind = k;
  n.uid = std::move(uid);
  return n;
}
inline Notification n_stream(NotificationKind k, std::string uid, bool screen = false) {
  Notification n;
  n.kind = k;
  n.uid = std::move(uid);
  n.screen = screen;
  return n;
}
inline Notification n_added(std::string uid, bool audio, bool video, bool screen = false) {
  Notification n = n_stream(NotificationKind::StreamAdded, std::move(uid), screen);
  n.audio = audio;
  n.video = video;
  return n;
}
inline Notification n_failed(std::string uid, std::string reason, bool screen = false) {
  Notification n = n_stream(NotificationKind::StreamFailed, std::move(uid), screen);
  n.reason = std::move(reason);
  return n;
}
inline Notification n_banned(std::string reason) {
  Notification n;
  n.kind = NotificationKind::ClientBanned;
  n.reason = std::move(reason);
  return n;
}

class RoomTest : public ::testing::Test {
 protected:
  explicit RoomTest(Config config = {}) : rooms(config, urls) {}

  Outcome join(SessionId s, const std::string& user, bool visible = true,
               const std::string& room = "r1", Grant grant = full_grant()) {
    JoinRequest req;
    req.app_id = kApp;
    req.room_id = room;
    req.user_id = user;
    req.visible = visible;
    return rooms.join(s, req, grant, now);
  }
  /// Joins and checks success.
  Outcome must_join(SessionId s, const std::string& user, bool visible = true,
                    const std::string& room = "r1", Grant grant = full_grant()) {
    Outcome out = join(s, user, visible, room, grant);
    EXPECT_TRUE(out.ok()) << (out.error ? out.error->message : "");
    return out;
  }
  std::string publish(SessionId s, StreamKind kind = StreamKind::Main) {
    Outcome out = rooms.publish(s, kind, now);
    EXPECT_TRUE(out.ok()) << (out.error ? out.error->message : "");
    auto* url = std::get_if<UrlReply>(&out.result);
    return url ? url->url : std::string();
  }
  /// publish + media arrives.
  Outcome publish_live(SessionId s, const std::string& user, bool audio = true, bool video = true) {
    publish(s);
    return rooms.media_started(sid_of(user), audio, video, now);
  }
  Outcome subscribe(SessionId s, const std::string& user, bool audio = true, bool video = true,
                    std::optional<PlayFormat> format = std::nullopt,
                    StreamKind kind = StreamKind::Main) {
    SubscribeRequest req;
    req.user_id = user;
    req.kind = kind;
    req.audio = audio;
    req.video = video;
    req.format = format;
    return rooms.subscribe(s, req, now);
  }
  static ErrorCode code(const Outcome& out) {
    return out.error ? out.error->code : static_cast<ErrorCode>(0);
  }

  std::uint64_t now = 1'700'000'000'000;
  FakeUrls urls;
  RoomService rooms;
};

}  // namespace minirtc::room::testing
