#include "cluster/push_route.hpp"

#include <algorithm>
#include <cstdint>

#include "util/backoff.hpp"

namespace minirtc::cluster {

PushRoute route_push(const PushFacts& f, std::string_view self_id) {
  using Kind = PushRoute::Kind;
  if (f.held_here) return {Kind::Here, {}, {}};
  if (!f.looked_up) return {Kind::LookUp, {}, {}};
  if (!f.lookup_error.empty())
    return {Kind::Refuse, {}, "cluster store unreachable: " + f.lookup_error};
  if (!f.owner || f.owner->id == self_id) return {Kind::Here, {}, {}};
  if (f.forwarded)
    return {Kind::Refuse,
            {},
            "the room is held by node " + f.owner->id + ", not here: forwards are one hop"};
  if (f.owner->relay_address.empty())
    return {Kind::Refuse,
            {},
            "the room is held by node " + f.owner->id + ", which has no relay address"};
  return {Kind::Forward, *f.owner, {}};
}

HandOverPush hand_over_push(bool session_publication, bool forwarded_in) {
  if (session_publication) return HandOverPush::Keep;
  return forwarded_in ? HandOverPush::Close : HandOverPush::Forward;
}

bool forward_moves_member(const ForwardState& s, std::string_view target) {
  return !s.member_node.empty() && s.member_node != target;
}

bool forward_member_moves_here(const ForwardState& s) {
  return !s.member_node.empty();
}

void forward_published(ForwardState& s) {
  s.member_node = s.node;
}

std::uint32_t forward_backoff_ms(std::uint32_t failures, const ForwardTiming& t) {
  return util::doubling_backoff_ms(failures, t.retry_initial_ms, t.retry_max_ms);
}

bool forward_end_is_final(const ForwardLinkEnd& end) {
  return end.status_code == kForwardDeniedCode;
}

ForwardStep forward_link_ended(ForwardState& s, const ForwardLinkEnd& end, std::uint64_t now,
                               const ForwardTiming& t) {
  s.linked = false;
  if (forward_end_is_final(end)) {
    s.retry_at_ms = UINT64_MAX;  // never due: the entry is to go with its encoder
    return {ForwardStep::Kind::CloseEncoder,
            {},
            "ended for good by the room's node: " +
                (end.reason.empty() ? std::string("no reason given") : end.reason)};
  }
  s.failures = end.delivered_media ? 1 : s.failures + 1;
  s.retry_at_ms = now + forward_backoff_ms(s.failures, t);
  return {ForwardStep::Kind::Wait, {}, end.reason};
}

bool forward_due(ForwardState& s, std::uint64_t now) {
  if (s.linked || s.looking_up || now < s.retry_at_ms) return false;
  s.looking_up = true;
  return true;
}

ForwardStep forward_located(ForwardState& s, const PushRoute& route, std::uint64_t now,
                            const ForwardTiming& t) {
  s.looking_up = false;
  switch (route.kind) {
    case PushRoute::Kind::Forward:
      if (route.node.id != s.node) {
        s.failures = 0;  // another node: what failed was the old one
        s.node = route.node.id;
      }
      s.linked = true;
      return {ForwardStep::Kind::Connect, route.node, {}};
    case PushRoute::Kind::Here:
      return {ForwardStep::Kind::CloseEncoder,
              {},
              "the room is not held by another node any more: push again to publish here"};
    case PushRoute::Kind::LookUp:  // not an answer: ask again at once
      return {ForwardStep::Kind::Wait, {}, "no answer"};
    case PushRoute::Kind::Refuse:
      break;
  }
  ++s.failures;
  s.retry_at_ms = now + forward_backoff_ms(s.failures, t);
  return {ForwardStep::Kind::Wait, {}, route.reason};
}

}  // namespace minirtc::cluster
