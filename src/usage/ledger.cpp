#include "usage/ledger.hpp"

#include <algorithm>
#include <iterator>

namespace minirtc::usage {

namespace {
using room::EventKind;

void keep_resolution(StreamRecord& r, std::uint32_t width, std::uint32_t height) {
  if (width == 0 && height == 0) return;
  r.width = width;
  r.height = height;
}
}  // namespace

Ledger::StreamKey Ledger::publication_key(const StreamId& s) {
  return {0, s.app_id, s.room_id, s.user_id, std::string(), s.kind == StreamKind::Screen ? 1 : 0};
}

Ledger::StreamKey Ledger::subscription_key(const StreamId& s, std::string_view viewer) {
  return {
      1, s.app_id, s.room_id, std::string(viewer), s.user_id, s.kind == StreamKind::Screen ? 1 : 0};
}

void Ledger::close_stream(std::map<StreamKey, StreamRecord>::iterator it, std::uint64_t end_ms,
                          Records& out) {
  StreamRecord r = std::move(it->second);
  streams_.erase(it);
  r.end_ms = std::max(end_ms, r.start_ms);
  if (figures_) {
    const bool sub = r.type == StreamRecord::Type::Subscription;
    const StreamId id{r.app_id, r.room_id, sub ? r.publisher : r.user_id,
                      r.screen ? StreamKind::Screen : StreamKind::Main};
    const MediaFigures f = figures_(id, sub ? r.user_id : std::string());
    for (const Carried& c : f.attached) {
      // Still attached: counted up to now; its departure adds only what comes after.
      std::uint64_t before = 0;
      if (c.who != 0) {
        auto& counted = counted_.try_emplace(c.who, 0).first->second;
        before = std::min(counted, c.bytes);
        counted = c.bytes;
      }
      r.bytes += c.bytes - before;
    }
    keep_resolution(r, f.width, f.height);
  }
  out.streams.push_back(std::move(r));
}

void Ledger::on_departure(const StreamId& stream, const Departure& d) {
  std::uint64_t bytes = d.carried.bytes;
  if (auto c = counted_.find(d.carried.who); d.carried.who != 0 && c != counted_.end()) {
    bytes -= std::min(c->second, bytes);
    counted_.erase(c);
  }
  auto it =
      streams_.find(d.publisher ? publication_key(stream) : subscription_key(stream, d.viewer));
  if (it == streams_.end()) return;
  it->second.bytes += bytes;
  keep_resolution(it->second, d.width, d.height);
}

void Ledger::on_event(const room::Event& e, Records& out) {
  switch (e.kind) {
    case EventKind::UserJoined: {
      SessionRecord s;
      s.app_id = e.app_id;
      s.room_id = e.room_id;
      s.user_id = e.user_id;
      s.visible = e.visible;
      s.media_only = e.media_only;
      s.join_ms = e.time_ms;
      sessions_[{e.app_id, e.room_id, e.user_id}] = std::move(s);
      break;
    }
    case EventKind::VisibilityChanged: {
      // The record keeps the last visibility: counted as visible if it ever was.
      auto it = sessions_.find({e.app_id, e.room_id, e.user_id});
      if (it != sessions_.end()) it->second.visible = it->second.visible || e.visible;
      break;
    }
    case EventKind::UserLeft: {
      auto it = sessions_.find({e.app_id, e.room_id, e.user_id});
      if (it == sessions_.end()) break;
      SessionRecord s = std::move(it->second);
      sessions_.erase(it);
      s.leave_ms = std::max(e.time_ms, s.join_ms);
      s.leave_reason = std::string(room::to_string(e.leave_reason));
      out.sessions.push_back(std::move(s));
      break;
    }
    case EventKind::PublicationStarted:
    case EventKind::SubscriptionStarted: {
      const bool sub = e.kind == EventKind::SubscriptionStarted;
      const StreamId id{e.app_id, e.room_id, sub ? e.publisher : e.user_id, e.stream};
      StreamRecord r;
      r.type = sub ? StreamRecord::Type::Subscription : StreamRecord::Type::Publication;
      r.app_id = e.app_id;
      r.room_id = e.room_id;
      r.user_id = e.user_id;
      r.publisher = sub ? e.publisher : std::string();
      r.screen = e.stream == StreamKind::Screen;
      r.start_ms = e.time_ms;
      streams_[sub ? subscription_key(id, e.user_id) : publication_key(id)] = std::move(r);
      break;
    }
    case EventKind::PublicationEnded:
    case EventKind::SubscriptionEnded: {
      const bool sub = e.kind == EventKind::SubscriptionEnded;
      const StreamId id{e.app_id, e.room_id, sub ? e.publisher : e.user_id, e.stream};
      auto it = streams_.find(sub ? subscription_key(id, e.user_id) : publication_key(id));
      if (it != streams_.end()) close_stream(it, e.time_ms, out);
      break;
    }
    case EventKind::RoomEnded: {
      for (auto it = streams_.begin(); it != streams_.end();) {
        auto next = std::next(it);
        if (it->second.app_id == e.app_id && it->second.room_id == e.room_id)
          close_stream(it, e.time_ms, out);
        it = next;
      }
      for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (it->second.app_id != e.app_id || it->second.room_id != e.room_id) {
          ++it;
          continue;
        }
        SessionRecord s = std::move(it->second);
        it = sessions_.erase(it);
        s.leave_ms = std::max(e.time_ms, s.join_ms);
        s.leave_reason = "room_ended";
        out.sessions.push_back(std::move(s));
      }
      break;
    }
    default:
      break;
  }
}

void Ledger::close_all(std::uint64_t now_ms, Records& out) {
  while (!streams_.empty()) close_stream(streams_.begin(), now_ms, out);
  counted_.clear();  // nothing is open any more for their departures
  for (auto& [key, s] : sessions_) {
    s.leave_ms = std::max(now_ms, s.join_ms);
    s.leave_reason = "server_stopped";
    out.sessions.push_back(std::move(s));
  }
  sessions_.clear();
}

}  // namespace minirtc::usage
