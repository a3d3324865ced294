#pragma once
// Call records from room events: the ledger follows sessions, publications and subscriptions as
// room events open and close them, and hands out a finished record when one closes. Pure: events
// in, records out; the server writes the records through the database's batched writer
// (usage/store.hpp).
//
// A session is one member in one room from UserJoined to UserLeft (a user replaced by a new
// session of the same userId has two). A publication runs from PublicationStarted to
// PublicationEnded, a subscription from SubscriptionStarted to SubscriptionEnded. RoomEnded
// closes whatever the room still had open (it should hold nothing by then; a record is never
// lost).
//
// Bytes and resolution are the media plane's figures, counted per attachment: a publisher (one
// publish: a pusher's connection from publish to unpublish or takeover) or a viewer (one player
// connection of the subscriber). The room's events and the media plane's do not come in a fixed
// order — a pusher that stops leaves the media plane at once while its publication ends only
// after the room's wait for it to come back; a kick closes the stream before the room's
// PublicationEnded is seen; an unsubscribe is seen before its player is closed — so:
//   - an attachment that leaves while its record is open adds what it carried (on_departure): a
//     pusher that reconnected three times counts all four connections;
//   - when a record closes, the attachments still there are asked for (the Figures callback) and
//     added; each is remembered with what was counted, and its later departure adds only what it
//     carried since, to the record then open (usually none: the rest is not counted anywhere);
//   - the resolution is the stream's last one seen, by a departure or at the close.
// Bytes that flow while no record is open (a console preview, the recorder, a pusher before its
// room knew of it) count for nobody. Nothing here is per packet: the media plane keeps its
// counters, the ledger reads them when someone leaves or a record closes.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"
#include "room/events.hpp"

namespace minirtc::usage {

struct SessionRecord {
  std::string app_id, room_id, user_id;
  bool visible = true;
  bool media_only = false;
  std::uint64_t join_ms = 0, leave_ms = 0;
  std::string leave_reason;  // room::to_string(LeaveReason)
  bool operator==(const SessionRecord&) const = default;
};

struct StreamRecord {
  enum class Type : std::uint8_t { Publication, Subscription };
  Type type = Type::Publication;
  std::string app_id, room_id;
  std::string user_id;    // the publisher, or the subscriber
  std::string publisher;  // Subscription: whose stream
  bool screen = false;
  std::uint64_t start_ms = 0, end_ms = 0;
  std::uint64_t bytes = 0;
  std::uint32_t width = 0, height = 0;
  bool operator==(const StreamRecord&) const = default;
};

/// One publisher or viewer of a stream and the bytes it carried while attached: a publisher's in
/// since its publish began, a viewer's out. `who` tells attachments apart while they exist (the
/// media plane's identity of the connection; 0: none to tell apart).
struct Carried {
  std::uint64_t who = 0;
  std::uint64_t bytes = 0;
};

/// The media plane's figures of a stream when a record of it closes: what is still attached (the
/// publisher, for a publication; the subscriber's players, for a subscription) and the stream's
/// resolution (0 when unknown or the stream is gone).
struct MediaFigures {
  std::vector<Carried> attached;
  std::uint32_t width = 0, height = 0;
};

/// A publisher or viewer that left a stream, with what it carried (media::Hub's on_departure).
struct Departure {
  bool publisher = false;
  std::string_view viewer;  // a viewer's userId
  Carried carried;
  std::uint32_t width = 0, height = 0;  // the stream's last resolution (0: none seen)
};

struct Records {
  std::vector<SessionRecord> sessions;
  std::vector<StreamRecord> streams;
};

class Ledger {
 public:
  /// Asked when a record closes: what is still attached to `stream` (viewer "": its publisher;
  /// else that userId's players) and its resolution.
  using Figures = std::function<MediaFigures(const StreamId& stream, const std::string& viewer)>;
  explicit Ledger(Figures figures = {}) : figures_(std::move(figures)) {}

  /// Follows one event; appends the records it closes to `out`.
  void on_event(const room::Event& event, Records& out);
  /// A publisher or viewer left `stream`: what it carried goes to the record open for it.
  void on_departure(const StreamId& stream, const Departure& departure);
  /// Closes everything open at `now_ms` (shutdown).
  void close_all(std::uint64_t now_ms, Records& out);

  std::size_t open_sessions() const noexcept { return sessions_.size(); }
  std::size_t open_streams() const noexcept { return streams_.size(); }
  /// Attachments counted by a record that closed while they were still attached, whose
  /// departure has not come yet.
  std::size_t counted_attachments() const noexcept { return counted_.size(); }

 private:
  // (app, room, user)
  using UserKey = std::tuple<std::string, std::string, std::string>;
  // (type, app, room, user, publisher, kind)
  using StreamKey = std::tuple<int, std::string, std::string, std::string, std::string, int>;
  static StreamKey publication_key(const StreamId& stream);
  static StreamKey subscription_key(const StreamId& stream, std::string_view viewer);
  void close_stream(std::map<StreamKey, StreamRecord>::iterator it, std::uint64_t end_ms,
                    Records& out);

  Figures figures_;
  std::map<UserKey, SessionRecord> sessions_;
  std::map<StreamKey, StreamRecord> streams_;
  std::unordered_map<std::uint64_t, std::uint64_t> counted_;  // who → bytes already counted
};

}  // namespace minirtc::usage
