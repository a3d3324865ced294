#include "room/room_service.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace minirtc::room {

namespace {

/// Time since `since`, never negative even if the caller's clock stepped back.
std::uint64_t elapsed(std::uint64_t now_ms, std::uint64_t since_ms) noexcept {
  return now_ms > since_ms ? now_ms - since_ms : 0;
}

bool is_screen(StreamKind kind) noexcept {
  return kind == StreamKind::Screen;
}

Notification peer(NotificationKind kind, const std::string& uid) {
  Notification n;
  n.kind = kind;
  n.uid = uid;
  return n;
}

Notification stream_event(NotificationKind kind, const std::string& uid, StreamKind stream_kind) {
  Notification n;
  n.kind = kind;
  n.uid = uid;
  n.screen = is_screen(stream_kind);
  return n;
}

Notification stream_failed(const std::string& uid, StreamKind kind, std::string reason) {
  Notification n = stream_event(NotificationKind::StreamFailed, uid, kind);
  n.reason = std::move(reason);
  return n;
}

Notification banned(std::string reason) {
  Notification n;
  n.kind = NotificationKind::ClientBanned;
  n.reason = std::move(reason);
  return n;
}

std::string room_full_message(bool visible, std::uint32_t limit) {
  return "room full: at most " + std::to_string(limit) +
         (visible ? " visible users" : " invisible users");
}

}  // namespace

RoomService::RoomService(Config config, MediaUrls& urls) : config_(config), urls_(urls) {}

// ---------------------------------------------------------------------------------------------
// Lookups and helpers

RoomService::Room* RoomService::find_room(std::string_view app_id, std::string_view room_id) {
  auto app = apps_.find(app_id);
  if (app == apps_.end()) return nullptr;
  auto room = app->second.find(room_id);
  return room == app->second.end() ? nullptr : &room->second;
}

const RoomService::Room* RoomService::find_room(std::string_view app_id,
                                                std::string_view room_id) const {
  auto app = apps_.find(app_id);
  if (app == apps_.end()) return nullptr;
  auto room = app->second.find(room_id);
  return room == app->second.end() ? nullptr : &room->second;
}

RoomService::Room& RoomService::get_or_create_room(const std::string& app_id,
                                                   const std::string& room_id, std::uint64_t now_ms,
                                                   Outcome& out, bool restored) {
  auto& rooms = apps_[app_id];
  auto it = rooms.find(room_id);
  if (it == rooms.end()) {
    Room room;
    room.app_id = app_id;
    room.room_id = room_id;
    room.created_ms = now_ms;
    it = rooms.emplace(room_id, std::move(room)).first;
    emit(it->second, EventKind::RoomCreated, now_ms, out).restored = restored;
  }
  it->second.empty_since_ms.reset();
  return it->second;
}

std::optional<RoomService::Bound> RoomService::bound(SessionId session, std::uint64_t now_ms) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return std::nullopt;
  Room* room = find_room(it->second.app_id, it->second.room_id);
  if (room == nullptr) return std::nullopt;
  auto member = room->members.find(it->second.user_id);
  if (member == room->members.end()) return std::nullopt;
  member->second.last_seen_ms = std::max(member->second.last_seen_ms, now_ms);
  return Bound{room, &member->second};
}

StreamId RoomService::stream_id(const Room& room, const std::string& user_id,
                                StreamKind kind) const {
  return StreamId{room.app_id, room.room_id, user_id, kind};
}

void RoomService::notify(const Member& to, Notification n, Outcome& out) const {
  if (to.session) out.notifications.push_back({*to.session, std::move(n)});
}

void RoomService::notify_others(const Room& room, std::string_view except_user,
                                const Notification& n, Outcome& out) const {
  for (const auto& [user_id, member] : room.members)
    if (user_id != except_user && member.session) out.notifications.push_back({*member.session, n});
}

Notification RoomService::stream_added(const Member& owner, StreamKind kind,
                                       const model::Publication& pub) const {
  Notification n = stream_event(NotificationKind::StreamAdded, owner.user_id, kind);
  n.audio = pub.has_audio && !pub.mute_audio;
  n.video = pub.has_video && !pub.mute_video;
  return n;
}

Event& RoomService::emit(Room& room, EventKind kind, std::uint64_t now_ms, Outcome& out) const {
  Event& e = out.events.emplace_back();
  e.kind = kind;
  e.app_id = room.app_id;
  e.room_id = room.room_id;
  e.room_created_ms = room.created_ms;
  e.seq = room.next_event_seq++;
  e.time_ms = now_ms;
  return e;
}

Event& RoomService::emit(Room& room, const Member& member, EventKind kind, std::uint64_t now_ms,
                         Outcome& out) const {
  Event& e = emit(room, kind, now_ms, out);
  e.user_id = member.user_id;
  e.visible = member.visible;
  e.media_only = member.media_only;
  return e;
}

void RoomService::send_room_state_to(const Room& room, const Member& joiner, Outcome& out) const {
  std::vector<const Member*> others;
  for (const auto& [user_id, member] : room.members)
    if (user_id != joiner.user_id && member.visible) others.push_back(&member);
  std::sort(others.begin(), others.end(),
            [](const Member* a, const Member* b) { return a->seq < b->seq; });
  std::size_t online = 0;
  for (const Member* member : others) {
    if (online++ >= config_.max_peer_online_on_join) break;
    notify(joiner, peer(NotificationKind::PeerOnline, member->user_id), out);
  }
  for (const Member* member : others)
    for (const auto& [kind, pub] : member->publications)
      if (pub.announced()) notify(joiner, stream_added(*member, kind, pub), out);
}

void RoomService::end_subscription(Room& room, Member& member, const StreamRef& ref,
                                   std::uint64_t now_ms, Outcome& out) {
  auto it = member.subscriptions.find(ref);
  if (it == member.subscriptions.end()) return;
  out.effects.emplace_back(
      RevokeUrl{it->second.nonce, stream_id(room, ref.first, ref.second), member.user_id});
  member.subscriptions.erase(it);
  Event& e = emit(room, member, EventKind::SubscriptionEnded, now_ms, out);
  e.publisher = ref.first;
  e.stream = ref.second;
}

void RoomService::end_publication(Room& room, Member& member, StreamKind kind,
                                  const PublicationEnd& how, std::uint64_t now_ms, Outcome& out) {
  auto it = member.publications.find(kind);
  if (it == member.publications.end()) return;
  if (how.failed) notify(member, stream_failed(member.user_id, kind, std::string(how.reason)), out);
  const model::Publication pub = std::move(it->second);
  member.publications.erase(it);
  const StreamId id = stream_id(room, member.user_id, kind);

  const StreamRef ref{member.user_id, kind};
  for (auto& [user_id, other] : room.members) end_subscription(room, other, ref, now_ms, out);

  if (pub.announced() && member.visible)
    notify_others(room, member.user_id,
                  stream_event(NotificationKind::StreamRemoved, member.user_id, kind), out);
  if (!pub.nonce.empty()) out.effects.emplace_back(RevokeUrl{pub.nonce, id, ""});
  // A stream pushed with a URL we did not hand out cannot be revoked: close it instead.
  if (how.force || pub.nonce.empty())
    out.effects.emplace_back(CloseStream{id, std::string(how.reason)});
  if (pub.mute_audio || pub.mute_video) out.effects.emplace_back(SetStreamMute{id, false, false});

  // The room is done with the stream: its media ends now for observers (the media plane's own
  // end, when it comes, finds no publication and says nothing more).
  if (pub.live) {
    Event& e = emit(room, member, how.failed ? EventKind::StreamFailed : EventKind::StreamStopped,
                    now_ms, out);
    e.stream = kind;
    e.reason = how.reason;
  }
  Event& e = emit(room, member, EventKind::PublicationEnded, now_ms, out);
  e.stream = kind;
  e.reason = how.reason;
}

void RoomService::end_publications(Room& room, Member& member, const PublicationEnd& how,
                                   std::uint64_t now_ms, Outcome& out,
                                   const std::function<bool(const model::Publication&)>& which) {
  std::vector<StreamKind> kinds;
  for (const auto& [kind, pub] : member.publications)
    if (!which || which(pub)) kinds.push_back(kind);
  for (StreamKind kind : kinds) end_publication(room, member, kind, how, now_ms, out);
}

void RoomService::release_member(Room& room, Member& member, bool force, std::string_view reason,
                                 std::uint64_t now_ms, Outcome& out) {
  end_publications(room, member, {force, reason, false}, now_ms, out);
  std::vector<StreamRef> refs;
  for (const auto& [ref, sub] : member.subscriptions) refs.push_back(ref);
  for (const auto& ref : refs) end_subscription(room, member, ref, now_ms, out);
}

void RoomService::retire_replaced(Room& room, Member& old, const Replacement& how,
                                  std::uint64_t now_ms, Outcome& out) {
  if (old.session) {
    notify(old, banned(std::string(how.ban)), out);
    out.closes.push_back({*old.session, std::string(how.close)});
  }
  if (how.release) release_member(room, old, how.force, how.reason, now_ms, out);
  Event& e = emit(room, old, EventKind::UserLeft, now_ms, out);
  e.leave_reason = LeaveReason::Replaced;
  e.reason = how.reason;
  unbind_session(old);
  forget_token(old);
}

void RoomService::unbind_session(Member& member) {
  if (member.session) sessions_.erase(*member.session);
  member.session.reset();
}

void RoomService::forget_token(Member& member) {
  if (!member.session_token.empty()) tokens_.erase(member.session_token);
  member.session_token.clear();
}

void RoomService::remove_member(Room& room, const std::string& user_id_ref,
                                std::optional<std::string> ban_reason, bool force, LeaveReason why,
                                std::uint64_t now_ms, Outcome& out) {
  const std::string user_id = user_id_ref;  // the reference may point into the member
  auto it = room.members.find(user_id);
  if (it == room.members.end()) return;
  Member& member = it->second;
  if (member.session && ban_reason) {
    notify(member, banned(*ban_reason), out);
    out.closes.push_back({*member.session, *ban_reason});
  }
  const std::string reason = ban_reason ? *ban_reason : std::string(to_string(why));
  release_member(room, member, force, reason, now_ms, out);
  if (member.visible) notify_others(room, user_id, peer(NotificationKind::PeerLeave, user_id), out);
  Event& e = emit(room, member, EventKind::UserLeft, now_ms, out);
  e.leave_reason = why;
  e.reason = reason;
  unbind_session(member);
  forget_token(member);
  room.members.erase(it);
  mark_empty_if_needed(room, now_ms);
}

void RoomService::mark_empty_if_needed(Room& room, std::uint64_t now_ms) {
  if (room.members.empty() && !room.empty_since_ms) room.empty_since_ms = now_ms;
}

std::size_t RoomService::subscribed_stream_count(const Room& room) const {
  std::set<StreamRef> streams;
  for (const auto& [user_id, member] : room.members)
    for (const auto& [ref, sub] : member.subscriptions) streams.insert(ref);
  return streams.size();
}

JoinReply RoomService::join_reply(const Room& room, const Member& member) const {
  JoinReply reply;
  reply.session_token = member.session_token;
  reply.room_id = room.room_id;
  reply.user_id = member.user_id;
  reply.ping_interval_ms = config_.ping_interval_ms;
  reply.session_timeout_ms = config_.session_timeout_ms;
  reply.resume_window_ms = config_.resume_window_ms;
  return reply;
}

// ---------------------------------------------------------------------------------------------
// Signalling commands

Outcome RoomService::join(SessionId session, const JoinRequest& request, const Grant& grant,
                          std::uint64_t now_ms) {
  if (sessions_.contains(session))
    return Outcome::failure(ErrorCode::AlreadyInRoom, "already in a room");
  if (!is_valid_app_id(request.app_id))
    return Outcome::failure(ErrorCode::InvalidParams, "invalid appId");
  if (!is_valid_id(request.room_id))
    return Outcome::failure(ErrorCode::InvalidParams, "invalid roomId");
  if (!is_valid_id(request.user_id))
    return Outcome::failure(ErrorCode::InvalidParams, "invalid userId");
  if (!request.business_id.empty() && !is_valid_id(request.business_id))
    return Outcome::failure(ErrorCode::InvalidParams, "invalid businessId");
  if (!grant.join) return Outcome::failure(ErrorCode::JoinRoomError, "token has no join privilege");
  if (!grant.token_valid(now_ms))
    return Outcome::failure(ErrorCode::JoinRoomError, "token expired");

  // Limits, not counting a member this join replaces.
  if (const Room* existing_room = find_room(request.app_id, request.room_id)) {
    std::size_t visible = 0, invisible = 0;
    for (const auto& [user_id, member] : existing_room->members) {
      if (user_id == request.user_id) continue;
      (member.visible ? visible : invisible)++;
    }
    if (request.visible && visible >= config_.max_visible_users)
      return Outcome::failure(ErrorCode::JoinRoomError,
                              room_full_message(true, config_.max_visible_users));
    if (!request.visible && invisible >= config_.max_invisible_users)
      return Outcome::failure(ErrorCode::JoinRoomError,
                              room_full_message(false, config_.max_invisible_users));
  } else {
    const std::uint32_t limit =
        request.visible ? config_.max_visible_users : config_.max_invisible_users;
    if (limit == 0)
      return Outcome::failure(ErrorCode::JoinRoomError, room_full_message(request.visible, limit));
  }

  Outcome out;
  Room& room = get_or_create_room(request.app_id, request.room_id, now_ms, out);
  auto it = room.members.find(request.user_id);
  bool was_visible = false;
  if (it != room.members.end()) {
    // Same userId again: the old session is banned and its URLs revoked; this one takes its
    // place, so the others see no leave/online unless the visibility changes.
    Member& old = it->second;
    was_visible = old.visible;
    // A media-only member's pushed stream goes on under the new session (a visible one).
    retire_replaced(
        room, old,
        {"the same userId joined the room again", "replaced by a new session of the same user",
         "replaced by a new session", !old.media_only || !request.visible, old.media_only},
        now_ms, out);
  } else {
    Member fresh;
    fresh.user_id = request.user_id;
    fresh.seq = room.next_seq++;
    it = room.members.emplace(request.user_id, std::move(fresh)).first;
  }

  Member& member = it->second;
  member.visible = request.visible;
  member.media_only = false;
  member.session = session;
  member.session_token = urls_.new_session_token();
  member.joined_ms = now_ms;
  member.last_seen_ms = now_ms;
  member.detached_ms = 0;
  member.grant = grant;
  member.business_id = request.business_id;
  member.sdk_name = request.sdk_name;
  member.sdk_version = request.sdk_version;
  const MemberRef ref{room.app_id, room.room_id, member.user_id};
  sessions_[session] = ref;
  tokens_[member.session_token] = ref;

  emit(room, member, EventKind::UserJoined, now_ms, out);
  out.result = join_reply(room, member);
  send_room_state_to(room, member, out);
  if (member.visible && !was_visible)
    notify_others(room, member.user_id, peer(NotificationKind::PeerOnline, member.user_id), out);
  else if (!member.visible && was_visible)
    notify_others(room, member.user_id, peer(NotificationKind::PeerLeave, member.user_id), out);
  return out;
}

Outcome RoomService::leave(SessionId session, std::uint64_t now_ms) {
  auto b = bound(session, now_ms);
  if (!b) return Outcome::failure(ErrorCode::NotInRoom, "not in a room");
  Outcome out;
  remove_member(*b->room, b->member->user_id, std::nullopt, false, LeaveReason::Left, now_ms, out);
  return out;
}

Outcome RoomService::publish(SessionId session, StreamKind kind, std::uint64_t now_ms) {
  auto b = bound(session, now_ms);
  if (!b) return Outcome::failure(ErrorCode::NotInRoom, "not in a room");
  Room& room = *b->room;
  Member& member = *b->member;
  if (!member.visible)
    return Outcome::failure(ErrorCode::PublishError, "invisible users cannot publish");
  if (room.publish_forbidden.contains(member.user_id))
    return Outcome::failure(ErrorCode::PublishError, "publishing forbidden by the administrator");
  if (!member.grant.can_publish(now_ms))
    return Outcome::failure(ErrorCode::PublishError, member.grant.publish
                                                         ? "publish privilege expired"
                                                         : "token has no publish privilege");
  if (member.publications.contains(kind))
    return Outcome::failure(ErrorCode::AlreadyPublished, "already published");

  model::Publication pub;
  pub.nonce = urls_.new_nonce();
  pub.url = urls_.publish_url(stream_id(room, member.user_id, kind), pub.nonce, now_ms);
  pub.waiting_since_ms = now_ms;
  pub.since_ms = now_ms;
  Outcome out;
  out.result = UrlReply{pub.url};
  member.publications.emplace(kind, std::move(pub));
  emit(room, member, EventKind::PublicationStarted, now_ms, out).stream = kind;
  return out;
}

Outcome RoomService::unpublish(SessionId session, StreamKind kind, std::uint64_t now_ms) {
  auto b = bound(session, now_ms);
  if (!b) return Outcome::failure(ErrorCode::NotInRoom, "not in a room");
  if (!b->member->publications.contains(kind))
    return Outcome::failure(ErrorCode::NotPublished, "not published");
  Outcome out;
  end_publication(*b->room, *b->member, kind, {false, "unpublished", false}, now_ms, out);
  return out;
}

Outcome RoomService::subscribe(SessionId session, const SubscribeRequest& request,
                               std::uint64_t now_ms) {
  auto b = bound(session, now_ms);
  if (!b) return Outcome::failure(ErrorCode::NotInRoom, "not in a room");
  Room& room = *b->room;
  Member& member = *b->member;
  if (!is_valid_id(request.user_id))
    return Outcome::failure(ErrorCode::InvalidParams, "invalid userId");
  if (!member.grant.can_subscribe(now_ms))
    return Outcome::failure(ErrorCode::SubscribeFailed, member.grant.subscribe
                                                            ? "subscribe privilege expired"
                                                            : "token has no subscribe privilege");
  auto target = room.members.find(request.user_id);
  if (target == room.members.end())
    return Outcome::failure(ErrorCode::UidNotFound, "user not in the room");
  if (!target->second.publications.contains(request.kind))
    return Outcome::failure(ErrorCode::StreamIdNotFound, "stream not published");

  const StreamRef ref{request.user_id, request.kind};
  const StreamId id = stream_id(room, request.user_id, request.kind);
  const PlayFormat format = request.format.value_or(config_.default_play_format);
  const bool mute_audio = !request.audio, mute_video = !request.video;
  Outcome out;

  auto existing = member.subscriptions.find(ref);
  if (existing != member.subscriptions.end() && existing->second.format == format) {
    // Subscribing again with the same format: same URL, new track choice.
    model::Subscription& sub = existing->second;
    if (sub.mute_audio != mute_audio || sub.mute_video != mute_video) {
      sub.mute_audio = mute_audio;
      sub.mute_video = mute_video;
      out.effects.emplace_back(
          SetViewerMute{id, member.user_id, sub.nonce, mute_audio, mute_video});
    }
    out.result = UrlReply{sub.url};
    return out;
  }
  if (existing == member.subscriptions.end()) {
    bool stream_has_subscribers = false;
    for (const auto& [user_id, other] : room.members)
      stream_has_subscribers = stream_has_subscribers || other.subscriptions.contains(ref);
    if (!stream_has_subscribers && subscribed_stream_count(room) >= config_.max_subscribed_streams)
      return Outcome::failure(ErrorCode::SubscribeFailed,
                              "room limit of " + std::to_string(config_.max_subscribed_streams) +
                                  " subscribed streams reached");
  } else {
    end_subscription(room, member, ref, now_ms, out);  // another format: the old URL goes
  }

  model::Subscription sub;
  sub.nonce = urls_.new_nonce();
  sub.url = urls_.play_url(id, member.user_id, format, sub.nonce, now_ms);
  sub.format = format;
  sub.mute_audio = mute_audio;
  sub.mute_video = mute_video;
  if (mute_audio || mute_video)
    out.effects.emplace_back(SetViewerMute{id, member.user_id, sub.nonce, mute_audio, mute_video});
  out.result = UrlReply{sub.url};
  member.subscriptions.emplace(ref, std::move(sub));
  Event& e = emit(room, member, EventKind::SubscriptionStarted, now_ms, out);
  e.publisher = request.user_id;
  e.stream = request.kind;
  return out;
}

Outcome RoomService::unsubscribe(SessionId session, std::string_view user_id, StreamKind kind,
                                 std::uint64_t now_ms) {
  auto b = bound(session, now_ms);
  if (!b) return Outcome::failure(ErrorCode::NotInRoom, "not in a room");
  if (!is_valid_id(user_id)) return Outcome::failure(ErrorCode::InvalidParams, "invalid userId");
  const StreamRef ref{std::string(user_id), kind};
  if (!b->member->subscriptions.contains(ref))
    return Outcome::failure(ErrorCode::UnsubscribeFailed, "not subscribed");
  Outcome out;
  end_subscription(*b->room, *b->member, ref, now_ms, out);
  return out;
}

Outcome RoomService::mute_local(SessionId session, const MuteLocalRequest& request,
                                std::uint64_t now_ms) {
  auto b = bound(session, now_ms);
  if (!b) return Outcome::failure(ErrorCode::NotInRoom, "not in a room");
  Room& room = *b->room;
  Member& member = *b->member;
  auto it = member.publications.find(request.kind);
  if (it == member.publications.end())
    return Outcome::failure(ErrorCode::NotPublished, "not published");
  model::Publication& pub = it->second;
  const bool old_audio = pub.mute_audio, old_video = pub.mute_video;
  const bool audio = request.audio.value_or(old_audio), video = request.video.value_or(old_video);
  Outcome out;
  if (audio == old_audio && video == old_video) return out;
  pub.mute_audio = audio;
  pub.mute_video = video;
  out.effects.emplace_back(
      SetStreamMute{stream_id(room, member.user_id, request.kind), audio, video});
  Event& e = emit(room, member, EventKind::MuteChanged, now_ms, out);
  e.stream = request.kind;
  e.audio = audio;
  e.video = video;
  if (!pub.live || !member.visible) return out;  // nobody knows the stream yet

  // Both tracks off is "stream removed"; back from both off is "stream added"; otherwise each
  // changed track is muted/unmuted while the other one stays on.
  const bool was_removed = old_audio && old_video, now_removed = audio && video;
  const std::string& uid = member.user_id;
  if (was_removed && !now_removed) {
    notify_others(room, uid, stream_added(member, request.kind, pub), out);
  } else if (!was_removed && now_removed) {
    notify_others(room, uid, stream_event(NotificationKind::StreamRemoved, uid, request.kind), out);
  } else if (!now_removed) {
    if (audio != old_audio)
      notify_others(
          room, uid,
          stream_event(audio ? NotificationKind::MuteAudio : NotificationKind::UnmuteAudio, uid,
                       request.kind),
          out);
    if (video != old_video)
      notify_others(
          room, uid,
          stream_event(video ? NotificationKind::MuteVideo : NotificationKind::UnmuteVideo, uid,
                       request.kind),
          out);
  }
  return out;
}

Outcome RoomService::mute_remote(SessionId session, const MuteRemoteRequest& request,
                                 std::uint64_t now_ms) {
  auto b = bound(session, now_ms);
  if (!b) return Outcome::failure(ErrorCode::NotInRoom, "not in a room");
  Room& room = *b->room;
  Member& member = *b->member;
  if (!is_valid_id(request.user_id))
    return Outcome::failure(ErrorCode::InvalidParams, "invalid userId");
  if (!room.members.contains(request.user_id))
    return Outcome::failure(ErrorCode::UidNotFound, "user not in the room");
  auto it = member.subscriptions.find(StreamRef{request.user_id, request.kind});
  if (it == member.subscriptions.end())
    return Outcome::failure(ErrorCode::MuteRemoteError, "not subscribed to that stream");
  model::Subscription& sub = it->second;
  const bool audio = request.audio.value_or(sub.mute_audio);
  const bool video = request.video.value_or(sub.mute_video);
  Outcome out;
  if (audio == sub.mute_audio && video == sub.mute_video) return out;
  sub.mute_audio = audio;
  sub.mute_video = video;
  out.effects.emplace_back(SetViewerMute{stream_id(room, request.user_id, request.kind),
                                         member.user_id, sub.nonce, audio, video});
  return out;
}

Outcome RoomService::set_visibility(SessionId session, bool visible, std::uint64_t now_ms) {
  auto b = bound(session, now_ms);
  if (!b) return Outcome::failure(ErrorCode::NotInRoom, "not in a room");
  Room& room = *b->room;
  Member& member = *b->member;
  Outcome out;
  if (member.visible == visible) return out;
  std::size_t count = 0;
  for (const auto& [user_id, other] : room.members)
    if (user_id != member.user_id && other.visible == visible) ++count;
  const std::uint32_t limit = visible ? config_.max_visible_users : config_.max_invisible_users;
  if (count >= limit)
    return Outcome::failure(ErrorCode::JoinRoomError, room_full_message(visible, limit));

  if (!visible) {
    // Invisible users cannot publish: their publications end first (the publisher is told).
    end_publications(room, member, {true, "invisible users cannot publish", true}, now_ms, out);
    notify_others(room, member.user_id, peer(NotificationKind::PeerLeave, member.user_id), out);
  } else {
    notify_others(room, member.user_id, peer(NotificationKind::PeerOnline, member.user_id), out);
  }
  member.visible = visible;
  emit(room, member, EventKind::VisibilityChanged, now_ms, out);
  return out;
}

Outcome RoomService::resume(SessionId session, std::string_view session_token,
                            std::uint64_t now_ms) {
  if (sessions_.contains(session))
    return Outcome::failure(ErrorCode::AlreadyInRoom, "already in a room");
  auto t = tokens_.find(session_token);
  if (t == tokens_.end())
    return Outcome::failure(ErrorCode::JoinRoomError, "unknown or expired session");
  const MemberRef ref = t->second;
  Room* room = find_room(ref.app_id, ref.room_id);
  if (room == nullptr || !room->members.contains(ref.user_id))
    return Outcome::failure(ErrorCode::JoinRoomError, "unknown or expired session");
  Member& member = room->members.find(ref.user_id)->second;

  Outcome out;
  if (!member.grant.token_valid(now_ms)) {
    remove_member(*room, ref.user_id, std::string("token expired"), true, LeaveReason::TokenExpired,
                  now_ms, out);
    out.error = RpcError{ErrorCode::JoinRoomError, "token expired"};
    return out;
  }
  if (member.session) {
    // The old socket is not known dead yet: the client is here now, so drop the old one quietly.
    out.closes.push_back({*member.session, "session resumed on another connection"});
    unbind_session(member);
  }
  member.session = session;
  member.last_seen_ms = now_ms;
  member.detached_ms = 0;
  sessions_[session] = ref;

  ResumeReply reply;
  reply.join = join_reply(*room, member);
  for (const auto& [kind, pub] : member.publications)
    if (!pub.url.empty()) reply.publications.push_back({is_screen(kind), pub.url});
  for (const auto& [sref, sub] : member.subscriptions)
    reply.subscriptions.push_back({sref.first, is_screen(sref.second), sub.url});
  out.result = std::move(reply);
  send_room_state_to(*room, member, out);
  return out;
}

void RoomService::touch(SessionId session, std::uint64_t now_ms) {
  (void)bound(session, now_ms);
}

Outcome RoomService::socket_closed(SessionId session, std::uint64_t now_ms) {
  Outcome out;
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return out;
  const MemberRef ref = it->second;
  Room* room = find_room(ref.app_id, ref.room_id);
  if (room == nullptr || !room->members.contains(ref.user_id)) {
    sessions_.erase(it);
    return out;
  }
  Member& member = room->members.find(ref.user_id)->second;
  unbind_session(member);
  member.detached_ms = now_ms;
  if (config_.resume_window_ms == 0)
    remove_member(*room, ref.user_id, std::nullopt, false, LeaveReason::TimedOut, now_ms, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Cluster: sessions another node takes over

std::vector<ResumableMember> RoomService::resumable_members(std::string_view app_id,
                                                            std::string_view room_id) const {
  std::vector<ResumableMember> out;
  const Room* room = find_room(app_id, room_id);
  if (room == nullptr) return out;
  std::vector<const Member*> members;
  for (const auto& [user_id, member] : room->members)
    if (!member.media_only && !member.session_token.empty()) members.push_back(&member);
  std::sort(members.begin(), members.end(),
            [](const Member* a, const Member* b) { return a->seq < b->seq; });
  for (const Member* m : members) {
    ResumableMember r;
    r.user_id = m->user_id;
    r.session_token = m->session_token;
    r.visible = m->visible;
    r.grant = m->grant;
    r.business_id = m->business_id;
    for (const auto& [kind, pub] : m->publications)
      r.publications.push_back({kind, pub.mute_audio, pub.mute_video});
    for (const auto& [ref, sub] : m->subscriptions)
      r.subscriptions.push_back(
          {ref.first, ref.second, sub.format, sub.mute_audio, sub.mute_video});
    out.push_back(std::move(r));
  }
  return out;
}

Outcome RoomService::restore(const std::string& app_id, const std::string& room_id,
                             std::span<const ResumableMember> members, std::uint64_t now_ms) {
  Outcome out;
  if (!is_valid_app_id(app_id) || !is_valid_id(room_id)) return out;
  auto usable = [&](const ResumableMember& m) {
    return is_valid_id(m.user_id) && !m.session_token.empty() && m.grant.join &&
           m.grant.token_valid(now_ms) && !tokens_.contains(m.session_token);
  };
  const Room* existing = find_room(app_id, room_id);
  std::vector<const ResumableMember*> added;
  // Users here whose session a record of another session replaces (the merge after a pin
  // conflict: the same userId in both halves), with whether they were visible.
  std::map<std::string, bool> replaced;
  for (const auto& m : members) {
    if (!usable(m)) continue;  // a member here with this very token is kept as it is
    if (existing != nullptr) {
      auto here = existing->members.find(m.user_id);
      if (here != existing->members.end()) {
        if (here->second.media_only) continue;
        replaced.emplace(m.user_id, here->second.visible);
      }
    }
    added.push_back(&m);
  }
  if (added.empty()) return out;

  const bool created = existing == nullptr;
  Room& room = get_or_create_room(app_id, room_id, now_ms, out, true);
  // The session that moves in wins, as a second join of the same userId does on one node: the
  // one here is banned and leaves (Replaced); the others see its streams go, not the user.
  for (const auto& [user_id, was_visible] : replaced) {
    Member& old = room.members.find(user_id)->second;
    const std::string_view why = "the same userId moved in from another node";
    retire_replaced(room, old, {why, why, why, true, false}, now_ms, out);
    room.members.erase(user_id);
  }
  for (const ResumableMember* r : added) {
    Member fresh;
    fresh.user_id = r->user_id;
    fresh.seq = room.next_seq++;
    fresh.visible = r->visible;
    fresh.session_token = r->session_token;
    fresh.joined_ms = now_ms;
    fresh.last_seen_ms = now_ms;
    fresh.detached_ms = now_ms;
    fresh.grant = r->grant;
    fresh.business_id = r->business_id;
    Member& member = room.members.emplace(r->user_id, std::move(fresh)).first->second;
    tokens_[member.session_token] = MemberRef{app_id, room_id, member.user_id};
    // A replacing session joins anew for observers (user_left replaced, user_joined), as on one
    // node; any other restored member was announced by the node it comes from.
    emit(room, member, EventKind::UserJoined, now_ms, out).restored =
        !replaced.contains(member.user_id);
    for (const auto& p : r->publications) {
      if (member.publications.contains(p.kind)) continue;
      model::Publication pub;
      pub.nonce = urls_.new_nonce();
      pub.url = urls_.publish_url(stream_id(room, member.user_id, p.kind), pub.nonce, now_ms);
      pub.waiting_since_ms = now_ms;
      pub.since_ms = now_ms;
      pub.mute_audio = p.mute_audio;
      pub.mute_video = p.mute_video;
      if (p.mute_audio || p.mute_video)
        out.effects.emplace_back(
            SetStreamMute{stream_id(room, member.user_id, p.kind), p.mute_audio, p.mute_video});
      member.publications.emplace(p.kind, std::move(pub));
      Event& e = emit(room, member, EventKind::PublicationStarted, now_ms, out);
      e.stream = p.kind;
      e.restored = true;
    }
  }
  // A room that was already here (the merge after a pin conflict): its members meet the newcomers
  // as after any join; their streams are announced when their media arrives here.
  if (!created)
    for (const ResumableMember* r : added) {
      auto was = replaced.find(r->user_id);
      const bool known = was != replaced.end() && was->second;  // visible here before
      if (r->visible && !known)
        notify_others(room, r->user_id, peer(NotificationKind::PeerOnline, r->user_id), out);
      else if (!r->visible && known)
        notify_others(room, r->user_id, peer(NotificationKind::PeerLeave, r->user_id), out);
    }
  // Subscriptions last: the streams they play belong to members restored above (or already here).
  for (const ResumableMember* r : added) {
    Member& member = room.members.find(r->user_id)->second;
    for (const auto& s : r->subscriptions) {
      auto publisher = room.members.find(s.user_id);
      if (publisher == room.members.end() || !publisher->second.publications.contains(s.kind))
        continue;
      const StreamRef ref{s.user_id, s.kind};
      if (member.subscriptions.contains(ref)) continue;
      const StreamId id = stream_id(room, s.user_id, s.kind);
      model::Subscription sub;
      sub.nonce = urls_.new_nonce();
      sub.url = urls_.play_url(id, member.user_id, s.format, sub.nonce, now_ms);
      sub.format = s.format;
      sub.mute_audio = s.mute_audio;
      sub.mute_video = s.mute_video;
      if (s.mute_audio || s.mute_video)
        out.effects.emplace_back(
            SetViewerMute{id, member.user_id, sub.nonce, s.mute_audio, s.mute_video});
      member.subscriptions.emplace(ref, std::move(sub));
      Event& e = emit(room, member, EventKind::SubscriptionStarted, now_ms, out);
      e.publisher = s.user_id;
      e.stream = s.kind;
      e.restored = true;
    }
  }
  return out;
}

RoomService::HandOver RoomService::hand_over(std::string_view app_id, std::string_view room_id,
                                             std::uint64_t now_ms) {
  HandOver h;
  auto app = apps_.find(app_id);
  if (app == apps_.end()) return h;
  auto it = app->second.find(room_id);
  if (it == app->second.end()) return h;
  Room& room = it->second;
  Outcome& out = h.outcome;
  h.members = resumable_members(app_id, room_id);

  std::vector<Member*> members;
  for (auto& [user_id, member] : room.members) members.push_back(&member);
  std::sort(members.begin(), members.end(),
            [](const Member* a, const Member* b) { return a->seq < b->seq; });
  // Sessions first: each is told to go (1001) and resumes on the winner.
  for (Member* m : members)
    if (m->session) out.closes.push_back({*m->session, "the room moved to another node", true});
  // The media ends later (media_end), every subscription before the streams it plays.
  for (Member* m : members)
    for (const auto& [ref, sub] : m->subscriptions) {
      h.media_end.emplace_back(
          RevokeUrl{sub.nonce, stream_id(room, ref.first, ref.second), m->user_id});
      Event& e = emit(room, *m, EventKind::SubscriptionEnded, now_ms, out);
      e.publisher = ref.first;
      e.stream = ref.second;
      e.moved = true;
    }
  const std::string reason = "moved to another node";
  for (Member* m : members) {
    for (const auto& [kind, pub] : m->publications) {
      const StreamId id = stream_id(room, m->user_id, kind);
      if (!pub.nonce.empty()) h.media_end.emplace_back(RevokeUrl{pub.nonce, id, ""});
      h.media_end.emplace_back(CloseStream{id, reason});
      if (pub.live) {
        Event& e = emit(room, *m, EventKind::StreamStopped, now_ms, out);
        e.stream = kind;
        e.reason = reason;
        e.moved = true;
      }
      Event& e = emit(room, *m, EventKind::PublicationEnded, now_ms, out);
      e.stream = kind;
      e.reason = reason;
      e.moved = true;
    }
    Event& e = emit(room, *m, EventKind::UserLeft, now_ms, out);
    e.leave_reason = LeaveReason::Moved;
    e.reason = reason;
    e.moved = true;
    unbind_session(*m);
    forget_token(*m);
  }
  Event& ended = emit(room, EventKind::RoomEnded, now_ms, out);
  ended.reason = reason;
  ended.moved = true;
  app->second.erase(it);
  if (app->second.empty()) apps_.erase(app);
  return h;
}

// ---------------------------------------------------------------------------------------------
// Media plane events

Outcome RoomService::media_started(const StreamId& stream, bool has_audio, bool has_video,
                                   std::uint64_t now_ms, PushOrigin origin) {
  Outcome out;
  if (!is_valid_app_id(stream.app_id) || !is_valid_id(stream.room_id) ||
      !is_valid_id(stream.user_id))
    return out;
  Room* room = find_room(stream.app_id, stream.room_id);
  Member* member = nullptr;
  if (room != nullptr) {
    if (room->publish_forbidden.contains(stream.user_id)) {
      out.effects.emplace_back(CloseStream{stream, "publishing forbidden by the administrator"});
      return out;
    }
    auto it = room->members.find(stream.user_id);
    if (it != room->members.end()) member = &it->second;
  }
  if (member != nullptr && !member->visible) {
    out.effects.emplace_back(CloseStream{stream, "invisible users cannot publish"});
    return out;
  }
  // A member made here by a push that moved in from another node is restored, not new: its
  // creation events carry `restored` (the app server heard them from that node).
  bool restored = false;
  if (member == nullptr) {
    // Pushed with a URL made outside signalling: the user appears as a media-only member.
    restored = origin == PushOrigin::MovedIn;
    Room& r = get_or_create_room(stream.app_id, stream.room_id, now_ms, out, restored);
    room = &r;
    Member fresh;
    fresh.user_id = stream.user_id;
    fresh.seq = r.next_seq++;
    fresh.visible = true;
    fresh.media_only = true;
    fresh.joined_ms = now_ms;
    fresh.last_seen_ms = now_ms;
    member = &r.members.emplace(stream.user_id, std::move(fresh)).first->second;
    notify_others(r, stream.user_id, peer(NotificationKind::PeerOnline, stream.user_id), out);
    emit(r, *member, EventKind::UserJoined, now_ms, out).restored = restored;
  }

  auto [it, created] = member->publications.try_emplace(stream.kind);
  model::Publication& pub = it->second;
  if (created) {
    pub.since_ms = now_ms;
    Event& e = emit(*room, *member, EventKind::PublicationStarted, now_ms, out);
    e.stream = stream.kind;
    e.restored = restored;
  }
  const bool was_announced = pub.announced(), was_live = pub.live;
  pub.live = true;
  pub.has_audio = has_audio;
  pub.has_video = has_video;
  pub.failed = false;
  if (!was_announced && pub.announced())
    notify_others(*room, member->user_id, stream_added(*member, stream.kind, pub), out);
  if (!was_live) {
    Event& e = emit(*room, *member, EventKind::StreamStarted, now_ms, out);
    e.stream = stream.kind;
    e.audio = has_audio;
    e.video = has_video;
  }
  return out;
}

Outcome RoomService::media_stopped(const StreamId& stream, std::uint64_t now_ms,
                                   std::string_view reason, bool failed) {
  Outcome out;
  Room* room = find_room(stream.app_id, stream.room_id);
  if (room == nullptr) return out;
  auto mit = room->members.find(stream.user_id);
  if (mit == room->members.end()) return out;
  Member& member = mit->second;
  auto pit = member.publications.find(stream.kind);
  if (pit == member.publications.end() || !pit->second.live) return out;
  model::Publication& pub = pit->second;

  // The publication stays: the pusher may come back (an encoder reconnecting), and its viewers
  // wait for it on their connections; others see it removed until its media returns. One made by
  // `publish` waits until it is unpublished; one pushed with a URL made elsewhere waits for the
  // no-media timeout (tick ends it then, closing its viewers).
  const bool was_announced = pub.announced();
  pub.live = false;
  pub.waiting_since_ms = now_ms;
  pub.failed = false;
  if (was_announced && member.visible)
    notify_others(*room, member.user_id,
                  stream_event(NotificationKind::StreamRemoved, member.user_id, stream.kind), out);
  Event& e =
      emit(*room, member, failed ? EventKind::StreamFailed : EventKind::StreamStopped, now_ms, out);
  e.stream = stream.kind;
  e.reason = reason;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Timers

bool RoomService::end_abandoned_pushes(Room& room, Member& member, std::uint64_t now_ms,
                                       Outcome& out) {
  end_publications(room, member, {false, "the publisher did not come back", false}, now_ms, out,
                   [&](const model::Publication& pub) {
                     return pub.nonce.empty() && !pub.live &&
                            elapsed(now_ms, pub.waiting_since_ms) >=
                                config_.publish_no_media_timeout_ms;
                   });
  if (!member.media_only || !member.publications.empty()) return false;
  remove_member(room, member.user_id, std::nullopt, false, LeaveReason::MediaEnded, now_ms, out);
  return true;
}

Outcome RoomService::tick(std::uint64_t now_ms) {
  Outcome out;
  for (auto& [app_id, rooms] : apps_) {
    for (auto& [room_id, room] : rooms) {
      std::vector<std::string> users;
      for (const auto& [user_id, member] : room.members) users.push_back(user_id);
      for (const auto& user_id : users) {
        auto it = room.members.find(user_id);
        if (it == room.members.end()) continue;
        Member& member = it->second;
        if (end_abandoned_pushes(room, member, now_ms, out) || member.media_only) continue;

        if (!member.session && elapsed(now_ms, member.detached_ms) >= config_.resume_window_ms) {
          remove_member(room, user_id, std::nullopt, false, LeaveReason::TimedOut, now_ms, out);
          continue;
        }
        if (!member.grant.token_valid(now_ms)) {
          remove_member(room, user_id, std::string("token expired"), true,
                        LeaveReason::TokenExpired, now_ms, out);
          continue;
        }
        if (member.session && elapsed(now_ms, member.last_seen_ms) >= config_.session_timeout_ms) {
          // Silence is a dropped socket: close it and start the resume window.
          out.closes.push_back({*member.session, "session timeout"});
          unbind_session(member);
          member.detached_ms = now_ms;
          if (config_.resume_window_ms == 0) {
            remove_member(room, user_id, std::nullopt, false, LeaveReason::TimedOut, now_ms, out);
            continue;
          }
        }
        if (!member.grant.can_publish(now_ms))
          end_publications(room, member, {true, "publish privilege expired", true}, now_ms, out,
                           [](const model::Publication& pub) { return !pub.nonce.empty(); });
        if (!member.grant.can_subscribe(now_ms)) {
          std::vector<StreamRef> refs;
          for (const auto& [ref, sub] : member.subscriptions) refs.push_back(ref);
          for (const auto& ref : refs) {
            notify(member, stream_failed(ref.first, ref.second, "subscribe privilege expired"),
                   out);
            end_subscription(room, member, ref, now_ms, out);
          }
        }
        for (auto& [kind, pub] : member.publications) {
          if (pub.live || pub.failed ||
              elapsed(now_ms, pub.waiting_since_ms) < config_.publish_no_media_timeout_ms)
            continue;
          pub.failed = true;
          notify(member, stream_failed(user_id, kind, "no media"), out);
          Event& e = emit(room, member, EventKind::StreamFailed, now_ms, out);
          e.stream = kind;
          e.reason = "no media";
        }
      }
    }
    for (auto it = rooms.begin(); it != rooms.end();) {
      Room& room = it->second;
      if (!room.members.empty() || !room.empty_since_ms ||
          elapsed(now_ms, *room.empty_since_ms) < config_.empty_room_delay_ms) {
        ++it;
        continue;
      }
      emit(room, EventKind::RoomEnded, now_ms, out).reason = "empty";
      it = rooms.erase(it);
    }
  }
  std::erase_if(apps_, [](const auto& entry) { return entry.second.empty(); });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reports

bool RoomService::has_session_token(std::string_view session_token) const {
  return tokens_.contains(session_token);
}

Outcome RoomService::report(std::string_view session_token, std::span<const ClientReport> reports,
                            std::uint64_t now_ms) {
  auto t = tokens_.find(session_token);
  if (t == tokens_.end()) return Outcome::failure(ErrorCode::NotFound, "unknown session");
  Room* room = find_room(t->second.app_id, t->second.room_id);
  if (room == nullptr || !room->members.contains(t->second.user_id))
    return Outcome::failure(ErrorCode::NotFound, "unknown session");
  Member& member = room->members.find(t->second.user_id)->second;
  const StreamKind own_kind = StreamKind::Main;

  Outcome out;
  std::size_t accepted = 0;
  for (const ClientReport& r : reports) {
    const StreamKind kind = r.screen ? StreamKind::Screen : own_kind;
    using Type = ClientReport::Type;
    if (r.type == Type::PusherState || r.type == Type::PusherNet) {
      model::Quality& q = member.pusher_quality[kind];
      if (r.type == Type::PusherState) {
        q.has_state = true;
        q.code = r.code;
        q.message = r.message;
        q.state_time_ms = now_ms;
        if (r.code == kPusherFatalCode) {
          q.failed = true;
          auto pub = member.publications.find(kind);
          if (pub != member.publications.end()) pub->second.failed = true;
          notify(member, stream_failed(member.user_id, kind, "pusher state -1307"), out);
          Event& e = emit(*room, member, EventKind::StreamFailed, now_ms, out);
          e.stream = kind;
          e.reason = "pusher state -1307";
        }
      } else {
        q.net_info_json = r.info_json;
        q.net_time_ms = now_ms;
      }
      ++accepted;
      continue;
    }
    if (!is_valid_id(r.uid)) continue;
    const StreamRef ref{r.uid, kind};
    if (!member.player_quality.contains(ref) &&
        member.player_quality.size() >= config_.max_quality_entries)
      continue;
    model::Quality& q = member.player_quality[ref];
    if (r.type == Type::PlayerState) {
      q.has_state = true;
      q.code = r.code;
      q.message = r.message;
      q.state_time_ms = now_ms;
      if (r.code == kPlayerFatalCode) {
        q.failed = true;
        notify(member, stream_failed(r.uid, kind, "player state -2301"), out);
      }
    } else {
      q.net_info_json = r.info_json;
      q.net_time_ms = now_ms;
    }
    ++accepted;
  }
  out.result = ReportReply{accepted};
  return out;
}

// ---------------------------------------------------------------------------------------------
// Admin

Outcome RoomService::kick(std::string_view app_id, std::string_view room_id,
                          std::string_view user_id, std::string_view reason, std::uint64_t now_ms) {
  Room* room = find_room(app_id, room_id);
  if (room == nullptr) return Outcome::failure(ErrorCode::NotFound, "no such room");
  if (!room->members.contains(user_id))
    return Outcome::failure(ErrorCode::NotFound, "no such user in the room");
  Outcome out;
  remove_member(*room, std::string(user_id),
                std::string(reason.empty() ? std::string_view("kicked") : reason), true,
                LeaveReason::Kicked, now_ms, out);
  return out;
}

Outcome RoomService::dismiss(std::string_view app_id, std::string_view room_id,
                             std::string_view reason, std::uint64_t now_ms) {
  auto app = apps_.find(app_id);
  if (app == apps_.end()) return Outcome::failure(ErrorCode::NotFound, "no such room");
  auto it = app->second.find(room_id);
  if (it == app->second.end()) return Outcome::failure(ErrorCode::NotFound, "no such room");
  Room& room = it->second;
  const std::string why(reason.empty() ? std::string_view("room dismissed") : reason);
  Outcome out;
  // Ban everyone first, so that nobody is told about the others leaving.
  for (auto& [user_id, member] : room.members) {
    if (!member.session) continue;
    notify(member, banned(why), out);
    out.closes.push_back({*member.session, why});
    unbind_session(member);
  }
  for (auto& [user_id, member] : room.members) {
    release_member(room, member, true, why, now_ms, out);
    Event& e = emit(room, member, EventKind::UserLeft, now_ms, out);
    e.leave_reason = LeaveReason::RoomDismissed;
    e.reason = why;
    forget_token(member);
  }
  emit(room, EventKind::RoomEnded, now_ms, out).reason = why;
  app->second.erase(it);
  if (app->second.empty()) apps_.erase(app);
  return out;
}

Outcome RoomService::forbid_publish(std::string_view app_id, std::string_view room_id,
                                    std::string_view user_id, bool forbidden,
                                    std::uint64_t now_ms) {
  Room* room = find_room(app_id, room_id);
  if (room == nullptr) return Outcome::failure(ErrorCode::NotFound, "no such room");
  if (!is_valid_id(user_id)) return Outcome::failure(ErrorCode::InvalidParams, "invalid userId");
  Outcome out;
  if (!forbidden) {
    room->publish_forbidden.erase(std::string(user_id));
    return out;
  }
  room->publish_forbidden.insert(std::string(user_id));
  auto it = room->members.find(user_id);
  if (it == room->members.end()) return out;
  Member& member = it->second;
  end_publications(*room, member, {true, "publishing forbidden", true}, now_ms, out);
  if (member.media_only && member.publications.empty())
    remove_member(*room, member.user_id, std::nullopt, false, LeaveReason::MediaEnded, now_ms, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Queries

std::vector<std::string> RoomService::apps() const {
  std::vector<std::string> ids;
  for (const auto& [app_id, rooms] : apps_) ids.push_back(app_id);
  return ids;
}

namespace {

RoomSummary summarize(const model::Room& room) {
  RoomSummary s;
  s.app_id = room.app_id;
  s.room_id = room.room_id;
  s.created_ms = room.created_ms;
  std::set<model::StreamRef> subscribed;
  for (const auto& [user_id, member] : room.members) {
    ++s.users;
    (member.visible ? s.visible_users : s.invisible_users)++;
    s.publications += member.publications.size();
    for (const auto& [kind, pub] : member.publications) s.live_streams += pub.live ? 1 : 0;
    s.subscriptions += member.subscriptions.size();
    for (const auto& [ref, sub] : member.subscriptions) subscribed.insert(ref);
  }
  s.subscribed_streams = subscribed.size();
  return s;
}

QualityView quality_view(std::string uid, bool screen, const model::Quality& q) {
  QualityView v;
  v.uid = std::move(uid);
  v.screen = screen;
  v.has_state = q.has_state;
  v.code = q.code;
  v.message = q.message;
  v.state_time_ms = q.state_time_ms;
  v.net_info_json = q.net_info_json;
  v.net_time_ms = q.net_time_ms;
  v.failed = q.failed;
  return v;
}

MemberView member_view(const model::Member& m) {
  MemberView v;
  v.user_id = m.user_id;
  v.state = m.state();
  v.visible = m.visible;
  v.business_id = m.business_id;
  v.sdk_name = m.sdk_name;
  v.sdk_version = m.sdk_version;
  v.joined_ms = m.joined_ms;
  for (const auto& [kind, pub] : m.publications) {
    PublicationView p;
    p.screen = is_screen(kind);
    p.live = pub.live;
    p.has_audio = pub.has_audio;
    p.has_video = pub.has_video;
    p.mute_audio = pub.mute_audio;
    p.mute_video = pub.mute_video;
    p.failed = pub.failed;
    p.signalled = !pub.nonce.empty();
    p.since_ms = pub.since_ms;
    v.publications.push_back(std::move(p));
  }
  for (const auto& [ref, sub] : m.subscriptions) {
    SubscriptionView s;
    s.uid = ref.first;
    s.screen = is_screen(ref.second);
    s.format = sub.format;
    s.mute_audio = sub.mute_audio;
    s.mute_video = sub.mute_video;
    v.subscriptions.push_back(std::move(s));
  }
  for (const auto& [kind, q] : m.pusher_quality)
    v.pusher_quality.push_back(quality_view(m.user_id, is_screen(kind), q));
  for (const auto& [ref, q] : m.player_quality)
    v.player_quality.push_back(quality_view(ref.first, is_screen(ref.second), q));
  return v;
}

}  // namespace

std::vector<RoomSummary> RoomService::list_rooms(std::string_view app_id) const {
  std::vector<RoomSummary> out;
  auto app = apps_.find(app_id);
  if (app == apps_.end()) return out;
  for (const auto& [room_id, room] : app->second) out.push_back(summarize(room));
  return out;
}

std::optional<RoomView> RoomService::room(std::string_view app_id, std::string_view room_id) const {
  const Room* room = find_room(app_id, room_id);
  if (room == nullptr) return std::nullopt;
  RoomView view;
  view.summary = summarize(*room);
  std::vector<const Member*> members;
  for (const auto& [user_id, member] : room->members) members.push_back(&member);
  std::sort(members.begin(), members.end(),
            [](const Member* a, const Member* b) { return a->seq < b->seq; });
  for (const Member* member : members) view.members.push_back(member_view(*member));
  view.publish_forbidden.assign(room->publish_forbidden.begin(), room->publish_forbidden.end());
  return view;
}

Counts RoomService::counts() const {
  Counts c;
  c.apps = apps_.size();
  for (const auto& [app_id, rooms] : apps_) {
    c.rooms += rooms.size();
    for (const auto& [room_id, room] : rooms) {
      for (const auto& [user_id, member] : room.members) {
        ++c.members;
        switch (member.state()) {
          case MemberState::Connected:
            ++c.connected;
            break;
          case MemberState::Detached:
            ++c.detached;
            break;
          case MemberState::MediaOnly:
            ++c.media_only;
            break;
        }
        c.publications += member.publications.size();
        for (const auto& [kind, pub] : member.publications) c.live_streams += pub.live ? 1 : 0;
        c.subscriptions += member.subscriptions.size();
      }
    }
  }
  return c;
}

}  // namespace minirtc::room
