#include "server/cluster_node.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "auth/hmac.hpp"
#include "cluster/keys.hpp"
#include "cluster/session_record.hpp"
#include "cluster/signing.hpp"
#include "redis/client.hpp"
#include "server/context.hpp"
#include "server/log_limiter.hpp"
#include "server/redis_store.hpp"

namespace minirtc::server {

namespace {
cluster::Config coordinator_config(const ClusterConfig& c, const std::string& node_id,
                                   std::uint64_t resume_window_ms) {
  cluster::Config k;
  k.session_ttl_ms =
      std::max<std::uint64_t>(k.session_ttl_ms, resume_window_ms + c.node_ttl_ms + 5000);
  k.node_id = node_id;
  k.secret = c.secret;
  k.node_ttl_ms = c.node_ttl_ms;
  k.pin_ttl_ms = c.pin_ttl_ms;
  k.capacity.max_viewers = c.max_viewers;
  k.capacity.max_egress_mbps = c.max_egress_mbps;
  k.capacity.max_cpu_percent = c.max_cpu_percent;
  return k;
}
}  // namespace

ClusterNode::ClusterNode(boost::asio::io_context& io, const ClusterConfig& config,
                         std::uint64_t resume_window_ms)
    : io_(io), config_(config), resume_window_ms_(resume_window_ms) {
  self_.id = config.node_id.empty() ? "node-" + auth::random_hex(4) : config.node_id;
}

ClusterNode::~ClusterNode() {
  *alive_ = false;
  client_.reset();  // drops every callback not run yet
}

Status ClusterNode::start(cluster::NodeRecord self,
                          std::vector<std::pair<std::string, std::string>> apps,
                          std::chrono::milliseconds timeout) {
  auto url = redis::parse_url(config_.redis);
  if (!url) return make_error("cluster.redis: " + url.error().reason);
  if (auto st = redis::check_reachable(*url, timeout); !st)
    return make_error(st.error().reason + " (cluster mode needs Redis at start)");
  const auto id = self_.id;
  self_ = std::move(self);
  self_.id = id;
  client_ = std::make_unique<redis::Client>(io_.get_executor(), *url);
  store_ = std::make_unique<RedisStore>(*client_);
  coordinator_ = std::make_unique<cluster::Coordinator>(
      *store_, coordinator_config(config_, self_.id, resume_window_ms_));

  std::optional<Status> done;
  coordinator_->check_apps(
      cluster::app_fingerprint(config_.secret, std::move(apps)), [this, &done](Status st) {
        if (!st) {
          done.emplace(std::move(st));
          return;
        }
        coordinator_->publish_record(self_, self_.started_at_ms,
                                     [&done](Status written) { done.emplace(std::move(written)); });
      });
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline)
    io_.run_one_for(std::chrono::milliseconds(50));
  if (io_.stopped()) io_.restart();  // the server's run() starts the loop again
  if (!done) return make_error("Redis did not answer within the start timeout");
  if (!*done) return make_error("cluster: " + done->error().reason);
  replays_.emplace(coordinator_->config().max_clock_skew_ms);
  client_->subscribe(cluster::keys::broadcast(), [this, alive = alive_](const std::string&,
                                                                        const std::string& text) {
    if (!*alive) return;
    auto msg = cluster::verify_node_message(config_.secret, text, now_ms(),
                                            coordinator_->config().max_clock_skew_ms,
                                            cluster::kMaxBroadcastMessage);
    if (!msg) {
      log_limited(spdlog::level::warn, "cluster broadcast refused",
                  "cluster: broadcast refused: {}", msg.error().reason);
      return;
    }
    if (msg->from == self_.id) return;  // applied here when it was sent
    auto b = cluster::decode_broadcast(msg->body);
    if (!b) {
      log_limited(spdlog::level::warn, "cluster broadcast refused",
                  "cluster: broadcast from {} refused: {}", msg->from, b.error().reason);
      return;
    }
    // A forwarded report is for one node: the others drop it unread.
    if (const auto* r = std::get_if<cluster::ReportForwardMessage>(&b->message);
        r && r->to != self_.id)
      return;
    // A message seen already (its id) is a replay of a captured one: dropped (broadcast.hpp).
    if (replays_->admit(b->id, msg->sent_ms, now_ms()) != cluster::ReplayGuard::Verdict::Fresh) {
      ++replays_dropped_;
      log_limited(spdlog::level::warn, "cluster broadcast replay",
                  "cluster: broadcast from {} dropped: message {} seen already (a replay)",
                  msg->from, b->id);
      return;
    }
    if (on_broadcast_) on_broadcast_(b->message, msg->from);
  });
  client_->on_state([id = self_.id](bool up) {
    if (up)
      spdlog::info("cluster: Redis is back; node {} re-registers and re-writes its pins", id);
    else
      spdlog::warn("cluster: Redis unreachable; rooms held here go on, new rooms wait for it");
  });
  spdlog::info("cluster: node {} registered in {} (signalling {})", self_.id, url->text,
               self_.signal_url());
  return {};
}

void ClusterNode::tick(const cluster::NodeRecord& load,
                       const std::vector<room::RoomSummary>& summaries, const MembersOf& members_of,
                       std::uint64_t now_ms) {
  if (!coordinator_) return;
  RoomList rooms;
  for (const auto& s : summaries) rooms.emplace_back(s.app_id, s.room_id);
  self_.rooms = load.rooms;
  self_.sessions = load.sessions;
  self_.viewers = load.viewers;
  self_.egress_mbps = load.egress_mbps;
  self_.cpu_percent = load.cpu_percent;
  self_.updated_at_ms = now_ms;
  coordinator_->publish_record(self_, now_ms, [](Status st) {
    if (!st)
      log_limited(spdlog::level::warn, "cluster record", "cluster: record not written: {}",
                  st.error().reason);
  });
  if (!reading_) {
    reading_ = true;
    coordinator_->read_nodes(now_ms, [this, alive = alive_](Result<cluster::Coordinator::Nodes> r) {
      if (!*alive) return;
      reading_ = false;
      if (!r) return;  // the record write above logged the outage
      for (const auto& why : r->rejected)
        log_limited(spdlog::level::warn, "cluster node refused", "cluster: {}", why);
      live_ = std::move(r->live);
      placed_.clear();  // the records just read count the viewers and sessions placed before
      placed_sessions_.clear();
      read_directory();
    });
  }

  // Pins: every room held here refreshed (adopted if it has none yet); pins of rooms gone deleted.
  std::map<std::pair<std::string, std::string>, cluster::Pin> held;
  for (const auto& room : rooms) {
    if (handing_over_.contains(room)) continue;
    auto it = pins_.find(room);
    held[room] = it != pins_.end() ? it->second : cluster::Pin{self_.id, now_ms};
  }
  for (const auto& [room, pin] : pins_)
    if (!held.contains(room))
      coordinator_->release_pin(room.first, room.second, pin, [](Status) {});
  pins_ = held;
  for (const auto& [room, mine] : held) {
    coordinator_->refresh_pin(
        room.first, room.second, mine, [this, alive = alive_, room](Result<cluster::PinStatus> r) {
          if (!*alive || !r) return;
          auto it = pins_.find(room);
          if (it == pins_.end()) return;
          if (r->action == cluster::PinRefresh::Yield)
            return begin_hand_over(room, r->owner.node_id);
          if (r->action == cluster::PinRefresh::Write || r->action == cluster::PinRefresh::Take)
            spdlog::info("cluster: pin of room {}/{} written again", room.first, room.second);
          it->second = r->owner;
        });
  }
  sync_sessions(rooms, members_of, now_ms);
  sync_directory(summaries);
  origin_lookups_.prune(now_ms);
  std::erase_if(origin_waiters_,
                [this](const auto& kv) { return !origin_lookups_.contains(kv.first); });
}

void ClusterNode::sync_directory(const std::vector<room::RoomSummary>& rooms) {
  cluster::Store::Fields changed;
  std::map<std::string, std::string> now;
  for (const auto& s : rooms) {
    auto field = cluster::room_field(s.app_id, s.room_id);
    auto entry = cluster::encode_room_entry(s);
    auto old = directory_written_.find(field);
    if (old == directory_written_.end() || old->second != entry) changed.emplace_back(field, entry);
    now.emplace(std::move(field), std::move(entry));
  }
  std::vector<std::string> gone;
  for (const auto& [field, entry] : directory_written_)
    if (!now.contains(field)) gone.push_back(field);
  directory_written_ = std::move(now);
  auto again = [this, alive = alive_](Status st) {
    if (!*alive || st) return;
    directory_written_.clear();  // written again at the next tick
  };
  if (!changed.empty() || !gone.empty())
    coordinator_->save_rooms(std::move(changed), std::move(gone), again);
  else if (!directory_written_.empty())
    coordinator_->keep_rooms([this, alive = alive_](Result<bool> kept) {
      if (*alive && (!kept || !*kept)) directory_written_.clear();  // Redis lost it
    });
}

void ClusterNode::read_directory() {
  if (reading_directory_) return;
  std::vector<cluster::NodeRecord> others;
  for (const auto& n : live_)
    if (n.id != self_.id) others.push_back(n);
  if (others.empty()) {
    directory_.clear();
    return;
  }
  reading_directory_ = true;
  auto next = std::make_shared<std::map<RoomKey, RemoteRoom>>();
  auto left = std::make_shared<std::size_t>(others.size());
  for (const auto& node : others)
    coordinator_->read_rooms(node.id, [this, alive = alive_, node, next, left](
                                          Result<std::vector<cluster::Coordinator::HeldRoom>> r) {
      if (!*alive) return;
      if (r)
        for (auto& h : *r)
          next->insert_or_assign({h.app_id, h.room_id}, RemoteRoom{node, std::move(h.summary)});
      if (--*left != 0) return;
      reading_directory_ = false;
      directory_ = std::move(*next);
    });
}

std::vector<ClusterNode::RemoteRoom> ClusterNode::remote_rooms(std::string_view app_id) const {
  std::vector<RemoteRoom> out;
  for (const auto& [key, room] : directory_)
    if (key.first == app_id) out.push_back(room);
  return out;
}

std::optional<cluster::NodeRecord> ClusterNode::room_owner(std::string_view app_id,
                                                           std::string_view room_id) const {
  auto it = directory_.find({std::string(app_id), std::string(room_id)});
  if (it == directory_.end()) return std::nullopt;
  return it->second.node;
}

std::vector<cluster::SessionRecord> ClusterNode::records_of(const RoomKey& room,
                                                            const MembersOf& members_of,
                                                            std::uint64_t updated_at_ms) const {
  std::vector<cluster::SessionRecord> out;
  for (auto& member : members_of(room.first, room.second)) {
    cluster::SessionRecord r;
    r.app_id = room.first;
    r.room_id = room.second;
    r.node_id = self_.id;
    r.member = std::move(member);
    r.updated_at_ms = updated_at_ms;
    out.push_back(std::move(r));
  }
  return out;
}

void ClusterNode::sync_sessions(const RoomList& rooms, const MembersOf& members_of,
                                std::uint64_t now_ms) {
  const auto resign_after = coordinator_->config().max_session_record_age_ms / 2;
  std::map<RoomKey, std::map<std::string, Written>> now_written;
  for (const auto& room : rooms) {
    if (handing_over_.contains(room)) continue;  // its records are written by the hand-over
    auto& before = written_[room];
    auto& after = now_written[room];
    std::vector<cluster::SessionRecord> changed;
    for (auto& r : records_of(room, members_of, 0)) {
      Written w{cluster::encode_session_record(r), now_ms};
      auto old = before.find(r.member.user_id);
      if (old != before.end() && old->second.body == w.body &&
          now_ms - old->second.signed_ms < resign_after) {
        after.emplace(r.member.user_id, std::move(old->second));
        continue;
      }
      r.updated_at_ms = now_ms;
      after.emplace(r.member.user_id, std::move(w));
      changed.push_back(std::move(r));
    }
    std::vector<std::string> gone;
    for (const auto& [user, w] : before)
      if (!after.contains(user)) gone.push_back(user);
    auto forget = [this, alive = alive_, room](Status st) {
      if (!*alive || st) return;
      // Not written (Redis away): everything of the room is written again at the next tick.
      written_.erase(room);
      log_limited(spdlog::level::warn, "cluster sessions",
                  "cluster: session records of room {}/{} not written: {}", room.first, room.second,
                  st.error().reason);
    };
    if (!changed.empty() || !gone.empty())
      coordinator_->save_sessions(room.first, room.second, std::move(changed), std::move(gone),
                                  now_ms, forget);
    else if (!after.empty())
      coordinator_->keep_sessions(room.first, room.second,
                                  [this, alive = alive_, room](Result<bool> kept) {
                                    // Gone (Redis restarted empty) or not reachable: all of the
                                    // room's records are written again at the next tick.
                                    if (*alive && (!kept || !*kept)) written_.erase(room);
                                  });
  }
  // Rooms that ended here: their records go (a member still in them would have been listed).
  for (const auto& [room, w] : written_)
    if (!now_written.contains(room))
      coordinator_->drop_sessions(room.first, room.second, [](Status) {});
  written_ = std::move(now_written);
}

std::vector<cluster::NodeRecord> ClusterNode::live_with_self() const {
  auto nodes = live_;
  auto it = std::find_if(nodes.begin(), nodes.end(),
                         [this](const cluster::NodeRecord& n) { return n.id == self_.id; });
  if (it == nodes.end())
    nodes.push_back(self_);
  else
    *it = self_;  // our own figures are the freshest
  return nodes;
}

std::vector<cluster::NodeRecord> ClusterNode::placement_view() const {
  // The records are a second old at most: what this node placed since, it adds itself, so a burst
  // of joins or subscribes spreads instead of herding onto the node that looked emptiest.
  auto nodes = live_with_self();
  for (auto& n : nodes) {
    if (auto it = placed_.find(n.id); it != placed_.end()) n.viewers += it->second;
    if (auto it = placed_sessions_.find(n.id); it != placed_sessions_.end())
      n.sessions += it->second;
  }
  return nodes;
}

std::vector<cluster::NodeRecord> ClusterNode::nodes_by_load() const {
  cluster::Capacity cap;
  if (coordinator_) cap = coordinator_->config().capacity;
  return cluster::order_by_load(live_with_self(), cap);
}

Result<bool> ClusterNode::take_route(const RoomKey& room,
                                     const Result<cluster::Coordinator::Located>& located,
                                     cluster::NodeRecord& owner) {
  if (!located) return make_error("cluster store unreachable: " + located.error().reason);
  placed_sessions_[located->pin.node_id]++;
  if (located->pin.node_id == self_.id) {
    pins_[room] = located->pin;
    return true;
  }
  owner = located->owner;
  return false;
}

void ClusterNode::route_join(const std::string& app_id, const std::string& room_id,
                             std::uint64_t now_ms, std::function<void(Result<Route>)> done) {
  if (!coordinator_) return done(make_error("cluster not started"));
  coordinator_->locate_room(
      app_id, room_id, placement_view(), now_ms,
      [this, alive = alive_, app_id, room_id, done](Result<cluster::Coordinator::Located> at) {
        if (!*alive) return;
        Route route;
        auto here = take_route({app_id, room_id}, at, route.owner);
        if (!here) return done(here.error());
        route.here = *here;
        done(std::move(route));
      });
}

void ClusterNode::route_resume(const std::string& app_id, const std::string& room_id,
                               const std::string& user_id, const std::string& session_token,
                               std::uint64_t now_ms,
                               std::function<void(Result<ResumeRoute>)> done) {
  if (!coordinator_) return done(make_error("cluster not started"));
  // The records first: only a client holding a session token of the room may make it move.
  coordinator_->load_sessions(
      app_id, room_id, now_ms,
      [this, alive = alive_, app_id, room_id, user_id, session_token, now_ms,
       done](Result<cluster::Coordinator::Sessions> sessions) {
        if (!*alive) return;
        if (!sessions)
          return done(make_error("cluster store unreachable: " + sessions.error().reason));
        for (const auto& why : sessions->rejected)
          log_limited(spdlog::level::warn, "cluster session refused",
                      "cluster: session record of room {}/{} refused: {}", app_id, room_id, why);
        bool known = false;
        for (const auto& r : sessions->records)
          known = known || (r.member.user_id == user_id &&
                            auth::constant_time_equal(r.member.session_token, session_token));
        if (!known) return done(make_error("unknown or expired session"));
        auto members = std::make_shared<std::vector<room::ResumableMember>>();
        for (auto& r : sessions->records) members->push_back(std::move(r.member));
        coordinator_->locate_room(app_id, room_id, placement_view(), now_ms,
                                  [this, alive, app_id, room_id, members,
                                   done](Result<cluster::Coordinator::Located> at) {
                                    if (!*alive) return;
                                    ResumeRoute route;
                                    auto here = take_route({app_id, room_id}, at, route.owner);
                                    if (!here) return done(here.error());
                                    route.here = *here;
                                    if (route.here) route.members = std::move(*members);
                                    done(std::move(route));
                                  });
      });
}

void ClusterNode::drain(const RoomList& rooms, const MembersOf& members_of, std::uint64_t now_ms,
                        std::chrono::milliseconds timeout, std::function<void()> done) {
  if (!coordinator_) return done();
  struct Pending {
    std::size_t left = 2;  // the record, and this call's own (nothing finishes before it ends)
    bool finished = false;
    std::function<void()> done;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  drain_timer_ = std::make_unique<boost::asio::steady_timer>(io_, timeout);
  auto finish = [pending, alive = alive_, this] {
    if (pending->finished) return;
    pending->finished = true;
    if (*alive && drain_timer_) drain_timer_->cancel();
    pending->done();
  };
  auto one = [pending, finish](std::string_view what, Status st) {
    if (!st) spdlog::warn("cluster drain: {} not written: {}", what, st.error().reason);
    if (--pending->left == 0) finish();
  };
  drain_timer_->async_wait([finish, pending](const boost::system::error_code& ec) {
    if (ec || pending->finished) return;
    spdlog::warn("cluster drain: Redis did not acknowledge everything in time; going on");
    finish();
  });
  pending->left += rooms.size() + pins_.size();
  coordinator_->withdraw_record([one](Status st) { one("the node record", std::move(st)); });
  // Every member as it is now, whatever was written before.
  for (const auto& room : rooms) {
    auto all = records_of(room, members_of, now_ms);
    std::vector<std::string> gone;
    if (auto it = written_.find(room); it != written_.end())
      for (const auto& [user, w] : it->second) {
        bool present = false;
        for (const auto& r : all) present = present || r.member.user_id == user;
        if (!present) gone.push_back(user);
      }
    coordinator_->save_sessions(room.first, room.second, std::move(all), std::move(gone), now_ms,
                                [one](Status st) { one("session records", std::move(st)); });
  }
  for (const auto& [room, pin] : pins_)
    coordinator_->release_pin(room.first, room.second, pin,
                              [one](Status st) { one("a room pin", std::move(st)); });
  pins_.clear();
  written_.clear();
  one("", {});  // this call's own count
}

void ClusterNode::begin_hand_over(const RoomKey& room, const std::string& winner) {
  if (handing_over_.contains(room)) return;
  spdlog::warn(
      "cluster: room {}/{} is also held by node {} with the older claim: it keeps the room; this "
      "node hands its sessions over",
      room.first, room.second, winner);
  handing_over_.insert(room);
  pins_.erase(room);     // the pin is the winner's: never refreshed nor released from here
  written_.erase(room);  // the room's hash is shared with the winner: never deleted from here
  if (on_yield_)
    on_yield_(room.first, room.second, winner);
  else
    handing_over_.erase(room);
}

void ClusterNode::write_handed_over(const std::string& app_id, const std::string& room_id,
                                    std::vector<room::ResumableMember> members,
                                    std::uint64_t now_ms, std::chrono::milliseconds timeout,
                                    std::function<void(bool)> done) {
  const RoomKey room{app_id, room_id};
  if (!coordinator_) {
    handing_over_.erase(room);
    return done(false);
  }
  struct Pending {
    Pending(boost::asio::io_context& io, std::chrono::milliseconds timeout,
            std::function<void(bool)> done)
        : done(std::move(done)), timer(io, timeout) {}
    bool finished = false;
    std::function<void(bool)> done;
    boost::asio::steady_timer timer;
  };
  auto pending = std::make_shared<Pending>(io_, timeout, std::move(done));
  auto finish = [this, alive = alive_, pending, room](bool written) {
    if (pending->finished) return;
    pending->finished = true;
    pending->timer.cancel();
    if (!*alive) return;  // the node (and the server with it) is gone
    handing_over_.erase(room);
    pending->done(written);
  };
  pending->timer.async_wait([finish](const boost::system::error_code& ec) {
    if (!ec) finish(false);
  });
  auto records = records_of(
      room, [&members](const std::string&, const std::string&) { return std::move(members); },
      now_ms);
  coordinator_->save_sessions(app_id, room_id, std::move(records), {}, now_ms,
                              [finish, room](Status st) {
                                if (!st)
                                  spdlog::warn(
                                      "cluster: hand-over of room {}/{}: records not "
                                      "written: {}",
                                      room.first, room.second, st.error().reason);
                                finish(static_cast<bool>(st));
                              });
}

std::optional<cluster::NodeRecord> ClusterNode::play_node(const StreamId& stream) {
  (void)stream;  // placement is by load only: any node can pull any stream from its origin
  if (!coordinator_) return std::nullopt;
  auto nodes = placement_view();
  const auto id = cluster::pick_play_node(self_.id, nodes, coordinator_->config().capacity);
  placed_[id]++;
  if (id == self_.id) return std::nullopt;
  for (const auto& n : nodes)
    if (n.id == id) return n;
  return std::nullopt;
}

std::optional<std::string> ClusterNode::origin_of(const StreamId& stream) {
  auto owner = room_owner(stream.app_id, stream.room_id);
  if (!owner && coordinator_) {
    // Not in the directory (yet): the room's pin says, once looked up.
    const RoomKey room{stream.app_id, stream.room_id};
    auto step = origin_lookups_.consult(room, now_ms());
    if (step.owner) {
      owner = std::move(step.owner);
    } else {
      auto& waiting = origin_waiters_[room];
      if (std::find(waiting.begin(), waiting.end(), stream) == waiting.end())
        waiting.push_back(stream);
      if (step.ask) look_up_origin(room);
    }
  }
  if (!owner || owner->id == self_.id || owner->relay_address.empty()) return std::nullopt;
  return "rtmp://" + owner->relay_address;
}

void ClusterNode::look_up_origin(const RoomKey& room) {
  coordinator_->find_room(
      room.first, room.second, now_ms(),
      [this, alive = alive_, room](Result<std::optional<cluster::Coordinator::Located>> r) {
        if (!*alive) return;
        std::optional<cluster::NodeRecord> owner;
        if (!r)
          log_limited(spdlog::level::warn, "cluster origin lookup",
                      "cluster: origin of room {}/{} not looked up: {}", room.first, room.second,
                      r.error().reason);
        else if (*r && (*r)->owner.id != self_.id && !(*r)->owner.relay_address.empty())
          owner = (*r)->owner;
        origin_lookups_.answered(room, owner, now_ms());
        auto waiting = std::move(origin_waiters_[room]);
        origin_waiters_.erase(room);
        if (!owner) return;  // the relay's tick asks again (at most once a second per room)
        spdlog::info("cluster: room {}/{} is on node {} (its pin; not in the room directory yet)",
                     room.first, room.second, owner->id);
        if (on_origin_found_)
          for (const auto& stream : waiting) on_origin_found_(stream);
      });
}

void ClusterNode::route_push(const std::string& app_id, const std::string& room_id, bool forwarded,
                             std::function<void(cluster::PushRoute)> done) {
  cluster::PushFacts facts;
  facts.forwarded = forwarded;
  facts.looked_up = true;
  if (!coordinator_) {
    facts.lookup_error = "cluster not started";
    return done(cluster::route_push(facts, self_.id));
  }
  // Located as a join would be, but with this node as the only candidate: the room's live node
  // when it has one, otherwise this node, pinned atomically (set-if-absent, or over exactly a
  // dead node's pin), so a push and a join racing for a free room agree on one node, and a dead
  // node's pin does not outlive it as the older claim.
  coordinator_->locate_room(app_id, room_id, {self_}, now_ms(),
                            [this, alive = alive_, facts, app_id, room_id, done = std::move(done)](
                                Result<cluster::Coordinator::Located> at) mutable {
                              if (!*alive) return;
                              if (!at) {
                                facts.lookup_error = at.error().reason;
                              } else {
                                facts.owner = at->owner;
                                if (at->pin.node_id == self_.id) pins_[{app_id, room_id}] = at->pin;
                              }
                              done(cluster::route_push(facts, self_.id));
                            });
}

std::optional<cluster::NodeRecord> ClusterNode::live_node(std::string_view id) const {
  for (const auto& n : live_)
    if (n.id == id) return n;
  return std::nullopt;
}

void ClusterNode::broadcast(const cluster::Broadcast& message) {
  if (!client_) return;
  client_->publish(
      cluster::keys::broadcast(),
      cluster::sign_node_message(
          config_.secret, self_.id, now_ms(),
          cluster::encode_broadcast(message, auth::random_hex(cluster::kBroadcastIdLength / 2))),
      [](Result<redis::Reply> r) {
        if (!r)
          log_limited(spdlog::level::warn, "cluster broadcast", "cluster: broadcast not sent: {}",
                      r.error().reason);
      });
}

void ClusterNode::withdraw() {
  if (!coordinator_) return;
  coordinator_->withdraw_record([id = self_.id](Status st) {
    if (st) spdlog::info("cluster: node {} withdrawn from the registry", id);
  });
}

}  // namespace minirtc::server
