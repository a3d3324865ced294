#include "usage/ledger.hpp"

#include <algorithm>
#include <iterator>

namespace minirtc::usage {

namespace {
using room::EventKind;
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
    r.bytes = f.bytes;
    r.width = f.width;
    r.height = f.height;
  }
  out.streams.push_back(std::move(r));
}

void Ledger::on_event(const room::Event& e, Records& out) {
  const int kind = e.stream == StreamKind::Screen ? 1 : 0;
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
      StreamRecord r;
      r.type = sub ? StreamRecord::Type::Subscription : StreamRecord::Type::Publication;
      r.app_id = e.app_id;
      r.room_id = e.room_id;
      r.user_id = e.user_id;
      r.publisher = e.publisher;
      r.screen = e.stream == StreamKind::Screen;
      r.start_ms = e.time_ms;
      streams_[{sub ? 1 : 0, e.app_id, e.room_id, e.user_id, e.publisher, kind}] = std::move(r);
      break;
    }
    case EventKind::PublicationEnded:
    case EventKind::SubscriptionEnded: {
      const bool sub = e.kind == EventKind::SubscriptionEnded;
      auto it = streams_.find({sub ? 1 : 0, e.app_id, e.room_id, e.user_id, e.publisher, kind});
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
  for (auto& [key, s] : sessions_) {
    s.leave_ms = std::max(now_ms, s.join_ms);
    s.leave_reason = "server_stopped";
    out.sessions.push_back(std::move(s));
  }
  sessions_.clear();
}

}  // namespace minirtc::usage
