#pragma once
// A member as another node needs it to take the session over (cluster mode, docs/cluster.md
// "Node loss"): who it is, what its token allowed and until when, what it publishes and what it
// plays, with the mutes. No URLs and no nonces: the node that takes the member over signs new
// ones (the client hears UPDATE_URL). RoomService::resumable_members writes it,
// RoomService::restore reads it; cluster/session_record.hpp is its wire form in the store.
// Plain data.

#include <string>
#include <vector>

#include "core/ids.hpp"
#include "room/types.hpp"

namespace minirtc::room {

struct ResumableMember {
  struct Publication {
    StreamKind kind = StreamKind::Main;
    bool mute_audio = false;  // muteLocal
    bool mute_video = false;
    bool operator==(const Publication&) const = default;
  };
  struct Subscription {
    std::string user_id;  // whose stream
    StreamKind kind = StreamKind::Main;
    PlayFormat format = PlayFormat::Rtmp;
    bool mute_audio = false;  // muteRemote
    bool mute_video = false;
    bool operator==(const Subscription&) const = default;
  };

  std::string user_id;
  std::string session_token;  // what the client resumes with
  bool visible = true;
  Grant grant;
  std::string business_id;
  std::vector<Publication> publications;    // at most one per kind
  std::vector<Subscription> subscriptions;  // at most one per stream

  bool operator==(const ResumableMember&) const = default;
};

}  // namespace minirtc::room
