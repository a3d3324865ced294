#pragma once
// Call records from room events: the ledger follows sessions, publications and subscriptions as
// room events open and close them, and hands out a finished record when one closes. Pure: events
// in, records out; the server writes the records through the database's batched writer
// (usage/store.hpp).
//
// A session is one member in one room from UserJoined to UserLeft (a user replaced by a new
// session of the same userId has two). A publication runs from PublicationStarted to
// PublicationEnded, a subscription from SubscriptionStarted to SubscriptionEnded. Bytes and
// resolution are the media plane's figures, given by the caller when the record closes (0 when
// the stream carried none). RoomEnded closes whatever the room still had open (it should hold
// nothing by then; a record is never lost).

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
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

/// The media plane's figures for a stream (publication) or a viewer of it (subscription).
struct MediaFigures {
  std::uint64_t bytes = 0;
  std::uint32_t width = 0, height = 0;
};

struct Records {
  std::vector<SessionRecord> sessions;
  std::vector<StreamRecord> streams;
};

class Ledger {
 public:
  /// Asked when a record closes: the figures of `stream` (viewer "" = the publication itself).
  using Figures = std::function<MediaFigures(const StreamId& stream, const std::string& viewer)>;
  explicit Ledger(Figures figures = {}) : figures_(std::move(figures)) {}

  /// Follows one event; appends the records it closes to `out`.
  void on_event(const room::Event& event, Records& out);
  /// Closes everything open at `now_ms` (shutdown).
  void close_all(std::uint64_t now_ms, Records& out);

  std::size_t open_sessions() const noexcept { return sessions_.size(); }
  std::size_t open_streams() const noexcept { return streams_.size(); }

 private:
  // (app, room, user)
  using UserKey = std::tuple<std::string, std::string, std::string>;
  // (type, app, room, user, publisher, kind)
  using StreamKey = std::tuple<int, std::string, std::string, std::string, std::string, int>;
  void close_stream(std::map<StreamKey, StreamRecord>::iterator it, std::uint64_t end_ms,
                    Records& out);

  Figures figures_;
  std::map<UserKey, SessionRecord> sessions_;
  std::map<StreamKey, StreamRecord> streams_;
};

}  // namespace minirtc::usage
