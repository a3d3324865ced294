// Where a push goes in a cluster and what a forwarding node does when its link drops
// (cluster/push_route.hpp): a room held here is taken without a read; otherwise the room is
// looked up and the push taken here (no other live node holds it), forwarded to the live node
// that does, or refused (store away, a forward of a forward, no relay address); a dropped link is
// retried with backoff against the node that failed, at once against another, and the encoder is
// closed when the room is not held by another node any more, or when the room's node ended the
// link for good (NetStream.Publish.Denied: a kick, a forbid-publish, a revoked URL).

#include "cluster/push_route.hpp"

#include <gtest/gtest.h>

namespace minirtc::cluster {
namespace {

constexpr std::string_view kSelf = "n1";
constexpr ForwardTiming kTiming{.retry_initial_ms = 500, .retry_max_ms = 4000};

NodeRecord node(const std::string& id, const std::string& relay = "127.0.0.1:7000") {
  NodeRecord n;
  n.id = id;
  n.relay_address = relay;
  return n;
}

/// A link end without the room's node's word (dropped, unreachable, timed out).
ForwardLinkEnd dropped(bool delivered_media) {
  return ForwardLinkEnd{delivered_media, "", "the room's node closed the connection"};
}

PushFacts answered(std::optional<NodeRecord> owner, bool forwarded = false) {
  PushFacts f;
  f.looked_up = true;
  f.owner = std::move(owner);
  f.forwarded = forwarded;
  return f;
}

TEST(RoutePush, ARoomHeldHereIsTakenWithoutARead) {
  PushFacts f;
  f.held_here = true;
  EXPECT_EQ(route_push(f, kSelf).kind, PushRoute::Kind::Here);
  f.forwarded = true;  // a forward to the room's node: taken
  EXPECT_EQ(route_push(f, kSelf).kind, PushRoute::Kind::Here);
  // Whatever a (stale) lookup said: the room is here.
  f.looked_up = true;
  f.owner = node("n2");
  EXPECT_EQ(route_push(f, kSelf).kind, PushRoute::Kind::Here);
}

TEST(RoutePush, ARoomNotHeldHereIsLookedUpFirst) {
  PushFacts f;
  EXPECT_EQ(route_push(f, kSelf).kind, PushRoute::Kind::LookUp);
  f.forwarded = true;
  EXPECT_EQ(route_push(f, kSelf).kind, PushRoute::Kind::LookUp);
}

TEST(RoutePush, ForwardsToTheLiveNodeThatHoldsTheRoom) {
  auto r = route_push(answered(node("n2", "10.0.0.2:1935")), kSelf);
  ASSERT_EQ(r.kind, PushRoute::Kind::Forward);
  EXPECT_EQ(r.node.id, "n2");
  EXPECT_EQ(r.node.relay_address, "10.0.0.2:1935");
}

TEST(RoutePush, TakesARoomNoOtherLiveNodeHolds) {
  EXPECT_EQ(route_push(answered(std::nullopt), kSelf).kind, PushRoute::Kind::Here);
  EXPECT_EQ(route_push(answered(node("n1")), kSelf).kind, PushRoute::Kind::Here);  // pinned here
  // A forward from another node for a room that turned out free or ours: taken here too.
  EXPECT_EQ(route_push(answered(std::nullopt, true), kSelf).kind, PushRoute::Kind::Here);
  EXPECT_EQ(route_push(answered(node("n1"), true), kSelf).kind, PushRoute::Kind::Here);
}

TEST(RoutePush, RefusesWhatItCannotPlace) {
  PushFacts away;
  away.looked_up = true;
  away.lookup_error = "redis 127.0.0.1:6379: connection lost";
  auto r = route_push(away, kSelf);
  ASSERT_EQ(r.kind, PushRoute::Kind::Refuse);
  EXPECT_EQ(r.reason, "cluster store unreachable: redis 127.0.0.1:6379: connection lost");
  // A forward is one hop: a forward for a room a third node holds goes back to its sender.
  r = route_push(answered(node("n3"), true), kSelf);
  ASSERT_EQ(r.kind, PushRoute::Kind::Refuse);
  EXPECT_NE(r.reason.find("node n3"), std::string::npos);
  EXPECT_NE(r.reason.find("one hop"), std::string::npos);
  r = route_push(answered(node("n2", "")), kSelf);
  ASSERT_EQ(r.kind, PushRoute::Kind::Refuse);
  EXPECT_NE(r.reason.find("no relay address"), std::string::npos);
}

TEST(HandOverPush, EncodersAreForwardedSessionsMoveForwardsAreSentBack) {
  // A media-only member's encoder cannot move: forwarded to the winner.
  EXPECT_EQ(hand_over_push(false, false), HandOverPush::Forward);
  // A member that moves by its session pushes to the winner after UPDATE_URL: kept until then.
  EXPECT_EQ(hand_over_push(true, false), HandOverPush::Keep);
  EXPECT_EQ(hand_over_push(true, true), HandOverPush::Keep);
  // Another node's forward: closed, its node forwards to the winner itself (one hop).
  EXPECT_EQ(hand_over_push(false, true), HandOverPush::Close);
}

TEST(ForwardBackoff, DoublesUpToTheMaximum) {
  EXPECT_EQ(forward_backoff_ms(1, kTiming), 500u);
  EXPECT_EQ(forward_backoff_ms(2, kTiming), 1000u);
  EXPECT_EQ(forward_backoff_ms(3, kTiming), 2000u);
  EXPECT_EQ(forward_backoff_ms(4, kTiming), 4000u);
  EXPECT_EQ(forward_backoff_ms(40, kTiming), 4000u);
}

// The life of one forward: linked to n2, dropped, retried with backoff, moved to n3.
TEST(ForwardState, ADroppedLinkIsRetriedWithBackoffWhileTheEncoderStays) {
  ForwardState s;
  EXPECT_TRUE(forward_due(s, 0));  // a forward started without a node (hand-over): look up now
  auto step = forward_located(s, route_push(answered(node("n2")), kSelf), 0, kTiming);
  ASSERT_EQ(step.kind, ForwardStep::Kind::Connect);
  EXPECT_EQ(step.node.id, "n2");
  EXPECT_TRUE(s.linked);
  EXPECT_FALSE(forward_due(s, 100000));  // linked: nothing to do

  // n2 refuses at once, twice: 500 ms, then 1000 ms.
  forward_link_ended(s, dropped(false), 1000, kTiming);
  EXPECT_FALSE(s.linked);
  EXPECT_FALSE(forward_due(s, 1499));
  EXPECT_TRUE(forward_due(s, 1500));
  EXPECT_FALSE(forward_due(s, 1500));  // one lookup at a time
  ASSERT_EQ(forward_located(s, route_push(answered(node("n2")), kSelf), 1510, kTiming).kind,
            ForwardStep::Kind::Connect);
  forward_link_ended(s, dropped(false), 1600, kTiming);
  EXPECT_EQ(s.failures, 2u);
  EXPECT_FALSE(forward_due(s, 2599));
  EXPECT_TRUE(forward_due(s, 2600));
  ASSERT_EQ(forward_located(s, route_push(answered(node("n2")), kSelf), 2600, kTiming).kind,
            ForwardStep::Kind::Connect);
  // This one carried media before it dropped: the count starts over.
  forward_link_ended(s, dropped(true), 9000, kTiming);
  EXPECT_EQ(s.failures, 1u);
  EXPECT_TRUE(forward_due(s, 9500));
  // The room moved to n3 meanwhile: connected there, the count for n2 forgotten.
  s.failures = 3;
  step = forward_located(s, route_push(answered(node("n3")), kSelf), 9500, kTiming);
  ASSERT_EQ(step.kind, ForwardStep::Kind::Connect);
  EXPECT_EQ(step.node.id, "n3");
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(s.node, "n3");
}

TEST(ForwardState, AStoreAwayKeepsTheEncoderAndRetriesLater) {
  ForwardState s;
  s.node = "n2";
  forward_link_ended(s, dropped(true), 0, kTiming);
  ASSERT_TRUE(forward_due(s, 500));
  PushFacts away;
  away.looked_up = true;
  away.lookup_error = "not connected";
  auto step = forward_located(s, route_push(away, kSelf), 500, kTiming);
  EXPECT_EQ(step.kind, ForwardStep::Kind::Wait);
  EXPECT_NE(step.reason.find("not connected"), std::string::npos);
  EXPECT_FALSE(s.linked);
  EXPECT_EQ(s.failures, 2u);
  EXPECT_FALSE(forward_due(s, 1499));
  EXPECT_TRUE(forward_due(s, 1500));
}

TEST(ForwardState, TheEncoderIsClosedWhenTheRoomIsNotHeldByAnotherNode) {
  for (auto owner : {std::optional<NodeRecord>(node("n1")), std::optional<NodeRecord>()}) {
    ForwardState s;
    s.node = "n2";
    forward_link_ended(s, dropped(true), 0, kTiming);
    ASSERT_TRUE(forward_due(s, 500));
    auto step = forward_located(s, route_push(answered(owner), kSelf), 500, kTiming);
    EXPECT_EQ(step.kind, ForwardStep::Kind::CloseEncoder);
    EXPECT_FALSE(step.reason.empty());
    EXPECT_FALSE(s.linked);
  }
}

TEST(ForwardEnd, OnlyTheDeniedCodeIsFinal) {
  EXPECT_TRUE(forward_end_is_final({true, std::string(kForwardDeniedCode), "kicked"}));
  EXPECT_TRUE(forward_end_is_final({false, "NetStream.Publish.Denied", "URL revoked"}));
  // No word from the room's node: it died, the network dropped, the link timed out.
  EXPECT_FALSE(forward_end_is_final(dropped(true)));
  EXPECT_FALSE(forward_end_is_final({false, "", "not publishing in time"}));
  // Refusals that another lookup may get past: not held there (one hop), store away, drained.
  EXPECT_FALSE(forward_end_is_final({false, "NetStream.Publish.Rejected", "forwards are one hop"}));
  EXPECT_FALSE(forward_end_is_final({false, "NetStream.Publish.BadName", "URL expired"}));
  EXPECT_FALSE(forward_end_is_final({false, "NetConnection.Connect.Rejected", "unknown app"}));
  // The code is compared exactly.
  EXPECT_FALSE(forward_end_is_final({false, "netstream.publish.denied", "kicked"}));
  EXPECT_FALSE(forward_end_is_final({false, "NetStream.Publish.Denied ", "kicked"}));
}

TEST(ForwardState, AnEndForGoodClosesTheEncoderAndNeverRetries) {
  ForwardState s;
  s.node = "n2";
  s.linked = true;
  s.failures = 2;
  auto step =
      forward_link_ended(s, {true, std::string(kForwardDeniedCode), "kicked"}, 1000, kTiming);
  EXPECT_EQ(step.kind, ForwardStep::Kind::CloseEncoder);
  EXPECT_NE(step.reason.find("kicked"), std::string::npos);
  EXPECT_FALSE(s.linked);
  EXPECT_EQ(s.failures, 2u);  // not a failure: nothing is counted or retried
  for (std::uint64_t t : {1000u, 1500u, 60000u, 3600000u}) EXPECT_FALSE(forward_due(s, t));
  // Without a reason, the encoder is still told something.
  ForwardState q;
  EXPECT_FALSE(forward_link_ended(q, {false, std::string(kForwardDeniedCode), ""}, 0, kTiming)
                   .reason.empty());
}

TEST(ForwardState, ATransientEndWaitsForTheRetry) {
  ForwardState s;
  s.node = "n2";
  s.linked = true;
  auto step = forward_link_ended(s, {false, "NetStream.Publish.Rejected", "forwards are one hop"},
                                 1000, kTiming);
  EXPECT_EQ(step.kind, ForwardStep::Kind::Wait);
  EXPECT_EQ(step.reason, "forwards are one hop");
  EXPECT_EQ(s.failures, 1u);
  EXPECT_FALSE(forward_due(s, 1499));
  EXPECT_TRUE(forward_due(s, 1500));
}

// "Moved members": a link says its push's member moved when it goes to another node than the
// one where the member was last (this node at a hand-over, the node a link published on).
TEST(ForwardState, ALinkSaysTheMemberMovedOnlyWhenItGoesToAnotherNodeThanTheMembers) {
  // A fresh forward (an encoder whose URL names this node, the room on n2): new on n2.
  ForwardState fresh;
  fresh.node = "n2";
  EXPECT_FALSE(forward_moves_member(fresh, "n2"));
  // Refused by n2 before publishing (the room moved on): the member is nowhere yet, n3 is fresh.
  forward_link_ended(fresh, dropped(false), 0, kTiming);
  ASSERT_TRUE(forward_due(fresh, 500));
  ASSERT_EQ(forward_located(fresh, route_push(answered(node("n3")), kSelf), 500, kTiming).kind,
            ForwardStep::Kind::Connect);
  EXPECT_FALSE(forward_moves_member(fresh, "n3"));
  // Published on n3: the member is there. n3 drops the link (dies, drains, hands the room over):
  // to n3 again nothing moved; to n4 the member moved.
  forward_published(fresh);
  EXPECT_EQ(fresh.member_node, "n3");
  forward_link_ended(fresh, dropped(true), 1000, kTiming);
  EXPECT_FALSE(forward_moves_member(fresh, "n3"));
  ASSERT_TRUE(forward_due(fresh, 1500));
  ASSERT_EQ(forward_located(fresh, route_push(answered(node("n4")), kSelf), 1500, kTiming).kind,
            ForwardStep::Kind::Connect);
  EXPECT_TRUE(forward_moves_member(fresh, "n4"));
  forward_published(fresh);
  EXPECT_FALSE(forward_moves_member(fresh, "n4"));

  // A hand-over's forward: the member was here (n1), the winner n2 gets it as moved, and keeps
  // getting it so until a link published there.
  ForwardState handed;
  handed.member_node = std::string(kSelf);
  handed.node = "n2";
  EXPECT_TRUE(forward_moves_member(handed, "n2"));
  forward_link_ended(handed, dropped(false), 0, kTiming);
  EXPECT_TRUE(forward_moves_member(handed, "n2"));
  forward_published(handed);
  EXPECT_FALSE(forward_moves_member(handed, "n2"));
}

TEST(ForwardState, ThePushAfterTheRoomCameHereIsAMoveOnlyWhenTheMemberWasSomewhere) {
  ForwardState s;
  s.node = "n2";
  EXPECT_FALSE(forward_member_moves_here(s));  // never published: the member was nowhere
  forward_published(s);
  EXPECT_TRUE(forward_member_moves_here(s));  // on n2, which went without announcing it left
  ForwardState handed;                        // a hand-over's forward, the winner gone at once
  handed.member_node = std::string(kSelf);
  EXPECT_TRUE(forward_member_moves_here(handed));  // this node forgot it as `moved`
}

}  // namespace
}  // namespace minirtc::cluster
