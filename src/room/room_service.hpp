#pragma once
// The room state machine: apps → rooms → members → publications → subscriptions, with the SDK's
// event rules (docs/protocol.md §4, shared/spec/miniapp-sdk.md). Commands in, Outcomes out; every
// state change is also reported as a room Event in the Outcome (room/events.hpp: kinds, order).
//
// Pure: no sockets, threads or clocks. Every call takes `now_ms` (unix ms) from the caller; tokens
// are verified by the caller and passed as a Grant; signed URLs and secrets come from MediaUrls.
// Not thread-safe: the server calls it from one strand.
//
// Sessions. The server numbers each WebSocket with a SessionId. `join` (or `resume`) binds the
// session to a member; the member stays bound until leave, kick, or socket loss. On socket loss
// (socket_closed, or silence for Config::session_timeout_ms seen by tick) the member is detached
// and kept for Config::resume_window_ms: nobody else sees anything, and `resume {sessionToken}`
// on a new session restores it with its publications and subscriptions. After the window it
// leaves as if it had called `leave`. Sessions the room closes (CLIENT_BANNED, silence, resume
// elsewhere) are unbound before the Outcome is returned: a later socket_closed for them is a no-op.
//
// Streams. `publish` hands out a signed push URL; the stream becomes live when the media plane
// calls media_started (first media packet) and others get streamAdded then. A stream whose media
// stops (media_stopped) is removed for the others and waits again; its viewers stay attached in
// the media plane and continue when the pusher comes back. No media within
// Config::publish_no_media_timeout_ms → streamFailed to the publisher (once per wait). A stream
// pushed for a user who never joined (URL made with `minirtc url publish`) makes that user a
// media-only member (peerOnline + streamAdded); when its media stops it is removed for the others
// (streamRemoved) and waits Config::publish_no_media_timeout_ms for its pusher (an encoder's
// reconnect), then ends: its stream is closed with its viewers and the member leaves (peerLeave).
// Any stream pushed with such a URL waits the same way, whoever pushes it. A media-only member
// that moved in from another node (PushOrigin::MovedIn: a cluster forward after its room moved)
// is made the same way, but its events are `restored`, as those of a session that moved.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "room/media_urls.hpp"
#include "room/model.hpp"
#include "room/outcome.hpp"
#include "room/requests.hpp"
#include "room/resumable.hpp"
#include "room/types.hpp"
#include "room/views.hpp"

namespace minirtc::room {

class RoomService {
 public:
  /// `urls` must outlive the service.
  RoomService(Config config, MediaUrls& urls);

  const Config& config() const noexcept { return config_; }
  /// New limits and timers (configuration reload): they apply from the next call on; nobody is
  /// removed for a limit lowered below what a room already holds.
  void set_config(Config config) { config_ = std::move(config); }

  // ---- Signalling commands (one per JSON-RPC method). `session` is the caller's connection.

  /// Enters (creating on first join) the room. Errors: ALREADY_IN_ROOM, INVALID_PARAMS,
  /// JOIN_ROOM_ERROR (no join privilege, token expired, "room full: ..." naming the limit).
  /// Same userId already in the room: its old session gets clientBanned and is closed, its URLs
  /// revoked, and this session takes its place without others seeing a leave.
  Outcome join(SessionId session, const JoinRequest& request, const Grant& grant,
               std::uint64_t now_ms);
  Outcome leave(SessionId session, std::uint64_t now_ms);
  Outcome publish(SessionId session, StreamKind kind, std::uint64_t now_ms);
  Outcome unpublish(SessionId session, StreamKind kind, std::uint64_t now_ms);
  Outcome subscribe(SessionId session, const SubscribeRequest& request, std::uint64_t now_ms);
  Outcome unsubscribe(SessionId session, std::string_view user_id, StreamKind kind,
                      std::uint64_t now_ms);
  Outcome mute_local(SessionId session, const MuteLocalRequest& request, std::uint64_t now_ms);
  Outcome mute_remote(SessionId session, const MuteRemoteRequest& request, std::uint64_t now_ms);
  Outcome set_visibility(SessionId session, bool visible, std::uint64_t now_ms);
  /// Restores a detached (or still bound) member onto `session`. JOIN_ROOM_ERROR when the token
  /// is unknown or its window has passed; ALREADY_IN_ROOM when `session` is joined.
  Outcome resume(SessionId session, std::string_view session_token, std::uint64_t now_ms);

  /// Any frame from a session (ping included): keeps a joined session alive.
  void touch(SessionId session, std::uint64_t now_ms);
  /// The session's socket closed: a joined member is detached (resume window starts).
  Outcome socket_closed(SessionId session, std::uint64_t now_ms);
  bool is_joined(SessionId session) const noexcept { return sessions_.contains(session); }

  // ---- Media plane events.

  /// First media of `stream` since its publisher started (Hub on_live). `origin` matters only
  /// when the stream's user is not in the room (a media-only member is made): MovedIn restores
  /// it instead of announcing it (room/requests.hpp PushOrigin).
  Outcome media_started(const StreamId& stream, bool has_audio, bool has_video,
                        std::uint64_t now_ms, PushOrigin origin = PushOrigin::Direct);
  /// The stream's publisher went away (Hub on_ended): StreamStopped, or StreamFailed when
  /// `failed` (the publisher's connection was lost or it sent nothing for the idle timeout).
  Outcome media_stopped(const StreamId& stream, std::uint64_t now_ms,
                        std::string_view reason = "publisher stopped", bool failed = false);

  // ---- Timers: resume window, session silence, token/privilege expiry, no-media timeout,
  // empty-room deletion. Call often (e.g. every 500 ms).
  Outcome tick(std::uint64_t now_ms);

  // ---- Reports (POST /v1/report), looked up by session token.
  bool has_session_token(std::string_view session_token) const;
  /// Keeps the latest state / net info per member and stream; a fatal state (-1307 pusher,
  /// -2301 player) marks the stream failed and sends streamFailed to the reporter. NOT_FOUND for
  /// an unknown token. Result: ReportReply{accepted}.
  Outcome report(std::string_view session_token, std::span<const ClientReport> reports,
                 std::uint64_t now_ms);

  // ---- Admin. Errors: NOT_FOUND (no such room / user).

  /// The user gets clientBanned {reason} and its session is closed; its URLs are revoked and its
  /// streams closed; the others see it leave.
  Outcome kick(std::string_view app_id, std::string_view room_id, std::string_view user_id,
               std::string_view reason, std::uint64_t now_ms);
  /// Everyone is kicked and the room is deleted at once.
  Outcome dismiss(std::string_view app_id, std::string_view room_id, std::string_view reason,
                  std::uint64_t now_ms);
  /// forbidden: the user's publications end and further `publish` is refused (PUBLISH_ERROR)
  /// while the room exists; false lifts it. The user need not be in the room.
  Outcome forbid_publish(std::string_view app_id, std::string_view room_id,
                         std::string_view user_id, bool forbidden, std::uint64_t now_ms);

  // ---- Cluster: sessions another node takes over (docs/cluster.md "Node loss").

  /// The room's members that can resume elsewhere (not media-only), in join order: what the
  /// node keeps in the cluster store. Empty when there is no such room.
  std::vector<ResumableMember> resumable_members(std::string_view app_id,
                                                 std::string_view room_id) const;
  /// Takes over members of a room whose node is gone, or merges in the half of a room handed over
  /// by the loser of a pin conflict. Each member whose session token is not here yet is added
  /// detached, as after a socket loss: the resume window starts now and `resume {sessionToken}`
  /// binds it. Its publications wait for media under new push URLs (the no-media timeout starts
  /// now); its subscriptions get new play URLs (one to a stream that no member publishes is
  /// dropped); mutes are applied as effects. A member here with the record's token is kept as it
  /// is. A member here with the record's userId but another session (the same user in both
  /// halves of a merge) is replaced, as by a second join of that userId: it gets clientBanned
  /// and leaves (UserLeft Replaced; others see its streams removed, not the user), and the
  /// record's session takes its place (its UserJoined is not `restored`).
  /// Nobody else is notified when the room is new here: the members learn the room on resume.
  /// When it was already here (a merge), its connected members hear peerOnline for each visible
  /// member new to them (its streams are announced when their media arrives here). Events, each
  /// `restored` unless said otherwise: RoomCreated (a room new here), UserJoined,
  /// PublicationStarted, SubscriptionStarted. Skipped: members with invalid ids, without the join
  /// privilege, or whose token has expired, and a record of a userId that is media-only here.
  Outcome restore(const std::string& app_id, const std::string& room_id,
                  std::span<const ResumableMember> members, std::uint64_t now_ms);

  /// A room handed over to the node that won a pin conflict (docs/cluster.md "Pin conflicts").
  struct HandOver {
    /// The members that move, in join order (as resumable_members): to write as session records
    /// before `outcome` is applied, so they are there when the clients come back.
    std::vector<ResumableMember> members;
    /// Each member's session closed with 1001 (going_away: the SDK resumes it, on the winner);
    /// nobody hears a peerLeave or streamRemoved. Events, each `moved`: SubscriptionEnded,
    /// StreamStopped (live streams), PublicationEnded, UserLeft (LeaveReason::Moved), RoomEnded.
    /// No media effect: the room's media goes on here until its clients switched.
    Outcome outcome;
    /// What ends the room's media here, to apply once the clients had time to switch (a
    /// deadline): every URL of the room revoked and every stream closed.
    std::vector<MediaEffect> media_end;
  };
  /// Forgets the room at once, as above. Media-only members (pushed with URLs made elsewhere)
  /// cannot move: they are forgotten too, their streams end with `media_end`. No such room:
  /// everything empty.
  HandOver hand_over(std::string_view app_id, std::string_view room_id, std::uint64_t now_ms);

  // ---- Queries (admin API, metrics).
  std::vector<std::string> apps() const;
  std::vector<RoomSummary> list_rooms(std::string_view app_id) const;
  std::optional<RoomView> room(std::string_view app_id, std::string_view room_id) const;
  Counts counts() const;

 private:
  using Member = model::Member;
  using Room = model::Room;
  using MemberRef = model::MemberRef;
  using StreamRef = model::StreamRef;

  Room* find_room(std::string_view app_id, std::string_view room_id);
  const Room* find_room(std::string_view app_id, std::string_view room_id) const;
  /// The room, created (RoomCreated) on first use; `restored`: a room that moved here from
  /// another node (its RoomCreated carries `restored`: the app server heard it there).
  Room& get_or_create_room(const std::string& app_id, const std::string& room_id,
                           std::uint64_t now_ms, Outcome& out, bool restored = false);
  /// The member bound to `session` (nullopt: not joined); marks the session as alive.
  struct Bound {
    Room* room = nullptr;
    Member* member = nullptr;
  };
  std::optional<Bound> bound(SessionId session, std::uint64_t now_ms);

  StreamId stream_id(const Room& room, const std::string& user_id, StreamKind kind) const;
  void notify(const Member& to, Notification n, Outcome& out) const;
  /// To every connected member of `room` except `except_user`.
  void notify_others(const Room& room, std::string_view except_user, const Notification& n,
                     Outcome& out) const;
  void send_room_state_to(const Room& room, const Member& joiner, Outcome& out) const;
  Notification stream_added(const Member& owner, StreamKind kind,
                            const model::Publication& pub) const;

  /// Appends an event of `room`, stamped with `now_ms` and the room's next sequence number.
  /// The reference is valid until the next event is appended.
  Event& emit(Room& room, EventKind kind, std::uint64_t now_ms, Outcome& out) const;
  /// An event about `member` (user id, visibility).
  Event& emit(Room& room, const Member& member, EventKind kind, std::uint64_t now_ms,
              Outcome& out) const;

  /// How publications end. `failed`: the publisher is told streamFailed {reason} first and a
  /// live stream is reported failed rather than stopped. `force` also closes the stream in the
  /// media plane.
  struct PublicationEnd {
    bool force = false;
    std::string_view reason;
    bool failed = false;
  };
  /// Ends a publication: others' subscriptions to it end, its URL is revoked, others get
  /// streamRemoved if they knew it.
  void end_publication(Room& room, Member& member, StreamKind kind, const PublicationEnd& how,
                       std::uint64_t now_ms, Outcome& out);
  /// Ends every publication of the member that `which` selects (all by default).
  void end_publications(Room& room, Member& member, const PublicationEnd& how, std::uint64_t now_ms,
                        Outcome& out,
                        const std::function<bool(const model::Publication&)>& which = {});
  void end_subscription(Room& room, Member& member, const StreamRef& ref, std::uint64_t now_ms,
                        Outcome& out);
  /// Ends everything the member owns (publications, subscriptions).
  void release_member(Room& room, Member& member, bool force, std::string_view reason,
                      std::uint64_t now_ms, Outcome& out);
  /// Removes the member: releases it, tells others (streamRemoved..., peerLeave), unbinds its
  /// session (closing it with clientBanned when `ban_reason` is set), reports it left for `why`.
  void remove_member(Room& room, const std::string& user_id, std::optional<std::string> ban_reason,
                     bool force, LeaveReason why, std::uint64_t now_ms, Outcome& out);
  /// Forgets the member's session (not its session token: a detached member may resume).
  /// A member whose userId a new session takes (a second join, or a session moving in from
  /// another node): its session is banned (`ban`) and closed (`close`), its media released with
  /// `force` unless `release` is false, and it leaves as Replaced (`reason`); the caller reuses or
  /// erases it.
  struct Replacement {
    std::string_view ban, close, reason;
    bool release = true, force = false;
  };
  void retire_replaced(Room& room, Member& old, const Replacement& how, std::uint64_t now_ms,
                       Outcome& out);
  void unbind_session(Member& member);
  void forget_token(Member& member);
  void mark_empty_if_needed(Room& room, std::uint64_t now_ms);
  /// Ends the member's streams pushed with URLs made elsewhere whose pusher has not come back
  /// within the no-media timeout; a media-only member left without streams is removed (true).
  bool end_abandoned_pushes(Room& room, Member& member, std::uint64_t now_ms, Outcome& out);
  std::size_t subscribed_stream_count(const Room& room) const;
  JoinReply join_reply(const Room& room, const Member& member) const;

  Config config_;
  MediaUrls& urls_;
  std::map<std::string, std::map<std::string, Room, std::less<>>, std::less<>> apps_;
  std::map<SessionId, MemberRef> sessions_;
  std::map<std::string, MemberRef, std::less<>> tokens_;
};

}  // namespace minirtc::room
