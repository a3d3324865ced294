#include "cluster/coordinator.hpp"

#include <algorithm>

#include "cluster/keys.hpp"
#include "cluster/signing.hpp"

namespace minirtc::cluster {

namespace {
/// The pin in a stored value; nullopt for none or garbage (garbage is replaced like a dead pin).
std::optional<Pin> parse_pin(const std::optional<std::string>& raw) {
  if (!raw) return std::nullopt;
  auto p = decode_pin(*raw);
  return p ? std::optional<Pin>(std::move(*p)) : std::nullopt;
}
/// A status callback to be called `n` times (n ≥ 1): `done` runs after the last call, with the
/// first error if there was one.
DoneStatus gather(std::size_t n, DoneStatus done) {
  struct State {
    std::size_t left;
    std::optional<Error> error;
    DoneStatus done;
  };
  auto state = std::make_shared<State>(State{n, std::nullopt, std::move(done)});
  return [state](Status st) {
    if (!st && !state->error) state->error = st.error();
    if (--state->left != 0) return;
    if (state->error) return state->done(*state->error);
    state->done({});
  };
}

}  // namespace

void Coordinator::write_pin(const std::string& key, const std::optional<std::string>& current,
                            const Pin& pin, Done<bool> done) {
  // Over exactly what was read (a dead node's pin, garbage, a losing claim), or where none was.
  if (current)
    store_.replace_if(key, *current, encode_pin(pin), config_.pin_ttl_ms, std::move(done));
  else
    store_.put_if_absent(key, encode_pin(pin), config_.pin_ttl_ms, std::move(done));
}

Coordinator::Coordinator(Store& store, Config config) : store_(store), config_(std::move(config)) {}

void Coordinator::check_apps(std::string fingerprint, DoneStatus done) {
  store_.put_if_absent(
      keys::apps_fingerprint(), fingerprint, 0,
      [this, fingerprint, done = std::move(done)](Result<bool> written) {
        if (!written) return done(written.error());
        if (*written) return done({});
        store_.get(keys::apps_fingerprint(),
                   [fingerprint, done](Result<std::optional<std::string>> v) {
                     if (!v) return done(v.error());
                     if (v->has_value() && **v != fingerprint)
                       return done(make_error(
                           "this node's apps (ids and keys) or [cluster] secret differ from the "
                           "cluster's: every node must have the same apps and the same secret"));
                     done({});
                   });
      });
}

void Coordinator::publish_record(const NodeRecord& self, std::uint64_t now_ms, DoneStatus done) {
  auto text = sign_node_message(config_.secret, config_.node_id, now_ms, encode_node_record(self));
  store_.put(keys::node(config_.node_id), std::move(text), config_.node_ttl_ms,
             [this, done = std::move(done)](Status st) {
               if (!st) return done(st);
               store_.set_add(keys::node_index(), config_.node_id, done);
             });
}

void Coordinator::withdraw_record(DoneStatus done) {
  store_.remove(keys::node(config_.node_id), [this, done = std::move(done)](Status st) {
    if (!st) return done(st);
    store_.set_remove(keys::node_index(), config_.node_id, done);
  });
}

void Coordinator::read_nodes(std::uint64_t now_ms, Done<Nodes> done) {
  store_.set_members(keys::node_index(), [this, now_ms, done = std::move(done)](
                                             Result<std::vector<std::string>> ids) {
    if (!ids) return done(ids.error());
    if (ids->empty()) return done(Nodes{});
    struct Pending {
      Nodes nodes;
      std::size_t left = 0;
      std::optional<Error> error;
    };
    auto pending = std::make_shared<Pending>();
    pending->left = ids->size();
    auto finish_one = [pending, done]() {
      if (--pending->left != 0) return;
      if (pending->error) return done(*pending->error);
      auto& live = pending->nodes.live;
      std::sort(live.begin(), live.end(),
                [](const NodeRecord& a, const NodeRecord& b) { return a.id < b.id; });
      done(std::move(pending->nodes));
    };
    for (auto& id : *ids) {
      read_node(id, now_ms, [this, id, pending, finish_one](Result<NodeRead> r) {
        if (!r) {
          pending->error = r.error();
        } else if (r->record) {
          pending->nodes.live.push_back(std::move(*r->record));
        } else if (!r->refused.empty()) {
          pending->nodes.rejected.push_back("node " + id + ": " + r->refused);
        } else {
          // Expired: dead. Pruned so the index does not grow with every node ever started.
          store_.set_remove(keys::node_index(), id, [](Status) {});
        }
        finish_one();
      });
    }
  });
}

void Coordinator::read_node(std::string node_id, std::uint64_t now_ms, Done<NodeRead> done) {
  store_.get(keys::node(node_id),
             [this, node_id, now_ms, done = std::move(done)](Result<std::optional<std::string>> v) {
               if (!v) return done(v.error());
               if (!v->has_value()) return done(NodeRead{});
               auto msg = verify_node_message(config_.secret, **v, now_ms,
                                              config_.node_ttl_ms + config_.max_clock_skew_ms);
               auto rec = msg ? decode_node_record(msg->body) : Result<NodeRecord>(msg.error());
               if (rec && msg->from != rec->id) rec = make_error("signed by another node");
               if (rec && rec->id != node_id) rec = make_error("record of another node id");
               if (!rec) return done(NodeRead{std::nullopt, rec.error().reason});
               done(NodeRead{std::move(*rec), {}});
             });
}

void Coordinator::locate_room(std::string app_id, std::string room_id, std::vector<NodeRecord> live,
                              std::uint64_t now_ms, Done<Located> done) {
  locate_attempt(std::move(app_id), std::move(room_id),
                 std::make_shared<const std::vector<NodeRecord>>(std::move(live)), now_ms, 3,
                 std::move(done));
}

void Coordinator::locate_attempt(std::string app_id, std::string room_id,
                                 std::shared_ptr<const std::vector<NodeRecord>> live,
                                 std::uint64_t now_ms, int attempts_left, Done<Located> done) {
  if (attempts_left == 0) return done(make_error("room pin kept changing; try again"));
  const auto key = keys::room_pin(app_id, room_id);
  store_.get(key, [=, this](Result<std::optional<std::string>> v) {
    if (!v) return done(v.error());
    const auto current = parse_pin(*v);
    // `live` by value: `retry` below calls this after this callback (and its closure) is gone.
    auto in_live = [live](const std::string& id) -> const NodeRecord* {
      for (const auto& n : *live)
        if (n.id == id) return &n;
      return nullptr;
    };
    if (current)
      if (const auto* owner = in_live(current->node_id)) return done(Located{*current, *owner});
    // The pin of a node the snapshot lacks, or none: place the room anew.
    auto place = [=, this] {
      auto pick = pick_room_node(*live, config_.capacity);
      if (!pick) return done(make_error("no live node to place the room on"));
      Pin fresh{*pick, now_ms};
      auto retry = [=, this](Result<bool> written) {
        if (!written) return done(written.error());
        if (*written) return done(Located{fresh, *in_live(fresh.node_id)});
        locate_attempt(app_id, room_id, live, now_ms, attempts_left - 1, done);
      };
      write_pin(key, *v, fresh, retry);
    };
    if (!current) return place();
    // Its record decides, not the snapshot.
    read_node(current->node_id, now_ms, [=](Result<NodeRead> r) {
      if (!r) return done(r.error());
      if (r->record) return done(Located{*current, std::move(*r->record)});
      place();
    });
  });
}

void Coordinator::find_room(std::string app_id, std::string room_id, std::uint64_t now_ms,
                            Done<std::optional<Located>> done) {
  store_.get(keys::room_pin(app_id, room_id),
             [this, now_ms, done = std::move(done)](Result<std::optional<std::string>> v) {
               if (!v) return done(v.error());
               auto pin = parse_pin(*v);
               if (!pin) return done(std::optional<Located>{});
               read_node(pin->node_id, now_ms, [pin = *pin, done](Result<NodeRead> r) {
                 if (!r) return done(r.error());
                 if (!r->record) return done(std::optional<Located>{});
                 return done(std::optional<Located>{Located{pin, std::move(*r->record)}});
               });
             });
}

void Coordinator::refresh_pin(std::string app_id, std::string room_id, Pin mine,
                              Done<PinStatus> done) {
  const auto key = keys::room_pin(app_id, room_id);
  store_.get(key, [=, this](Result<std::optional<std::string>> v) {
    if (!v) return done(v.error());
    const auto current = parse_pin(*v);
    const auto action = decide_refresh(mine, current);
    auto written = [=](const Pin& owner, PinRefresh a) {
      return [=](Result<bool> w) {
        if (!w) return done(w.error());
        // Changed between the read and the write: the next refresh (a second later) reads again.
        if (!*w) return done(make_error("room pin changed meanwhile"));
        done(PinStatus{a, owner});
      };
    };
    switch (action) {
      case PinRefresh::Refresh:
        return store_.replace_if(key, **v, **v, config_.pin_ttl_ms,
                                 written(*current, PinRefresh::Refresh));
      case PinRefresh::Write:
      case PinRefresh::Take:
        return write_pin(key, *v, mine, written(mine, action));
      case PinRefresh::Yield:
        return done(PinStatus{PinRefresh::Yield, *current});
    }
  });
}

void Coordinator::release_pin(std::string app_id, std::string room_id, Pin mine, DoneStatus done) {
  store_.remove_if(keys::room_pin(app_id, room_id), encode_pin(mine),
                   [done = std::move(done)](Result<bool> r) {
                     if (!r) return done(r.error());
                     done({});
                   });
}

void Coordinator::save_sessions(std::string app_id, std::string room_id,
                                std::vector<SessionRecord> changed, std::vector<std::string> gone,
                                std::uint64_t now_ms, DoneStatus done) {
  const auto key = keys::room_sessions(app_id, room_id);
  auto finish_one = gather(changed.size() + 1, std::move(done));
  for (auto& r : changed) {
    auto field = r.member.user_id;
    store_.hash_put(
        key, std::move(field),
        sign_node_message(config_.secret, config_.node_id, now_ms, encode_session_record(r)),
        config_.session_ttl_ms, finish_one);
  }
  if (gone.empty()) return finish_one({});
  store_.hash_remove(key, std::move(gone), finish_one);
}

void Coordinator::keep_sessions(std::string app_id, std::string room_id, Done<bool> done) {
  store_.expire(keys::room_sessions(app_id, room_id), config_.session_ttl_ms, std::move(done));
}

void Coordinator::drop_sessions(std::string app_id, std::string room_id, DoneStatus done) {
  store_.remove(keys::room_sessions(app_id, room_id), std::move(done));
}

void Coordinator::load_sessions(std::string app_id, std::string room_id, std::uint64_t now_ms,
                                Done<Sessions> done) {
  store_.hash_all(
      keys::room_sessions(app_id, room_id),
      [this, app_id, room_id, now_ms, done = std::move(done)](Result<Store::Fields> fields) {
        if (!fields) return done(fields.error());
        Sessions out;
        for (const auto& [user, text] : *fields) {
          auto msg =
              verify_node_message(config_.secret, text, now_ms, config_.max_session_record_age_ms);
          if (!msg) {
            out.rejected.push_back(user + ": " + msg.error().reason);
            continue;
          }
          auto rec = decode_session_record(msg->body);
          if (!rec) {
            out.rejected.push_back(user + ": " + rec.error().reason);
            continue;
          }
          if (rec->node_id != msg->from || rec->app_id != app_id || rec->room_id != room_id ||
              rec->member.user_id != user) {
            out.rejected.push_back(user + ": the record is not the one stored under this field");
            continue;
          }
          out.records.push_back(std::move(*rec));
        }
        done(std::move(out));
      });
}

void Coordinator::save_rooms(Store::Fields changed, std::vector<std::string> gone,
                             DoneStatus done) {
  const auto key = keys::node_rooms(config_.node_id);
  auto one = gather(changed.size() + 1, std::move(done));
  for (auto& [field, value] : changed)
    store_.hash_put(key, std::move(field), std::move(value), config_.node_ttl_ms, one);
  if (gone.empty()) return one({});
  store_.hash_remove(key, std::move(gone), one);
}

void Coordinator::keep_rooms(Done<bool> done) {
  store_.expire(keys::node_rooms(config_.node_id), config_.node_ttl_ms, std::move(done));
}

void Coordinator::read_rooms(std::string node_id, Done<std::vector<HeldRoom>> done) {
  store_.hash_all(keys::node_rooms(node_id), [done = std::move(done)](Result<Store::Fields> f) {
    if (!f) return done(f.error());
    std::vector<HeldRoom> out;
    for (const auto& [field, value] : *f) {
      auto ids = parse_room_field(field);
      auto summary = decode_room_entry(value);
      if (!ids || !summary) continue;
      HeldRoom h{ids->first, ids->second, std::move(*summary)};
      h.summary.app_id = h.app_id;
      h.summary.room_id = h.room_id;
      out.push_back(std::move(h));
    }
    done(std::move(out));
  });
}

}  // namespace minirtc::cluster
