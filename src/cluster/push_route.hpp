#pragma once
// Where an RTMP push goes in a cluster (docs/cluster.md "Pushes to another node"), and what a
// node does while it forwards one: pure rules, values in, decisions out; the server's RTMP
// session and its push forwards (server/push_forward) do the reads and the I/O.
//
// A push (a publish with a valid signed URL) reaches a node. A room is held by one node; an
// encoder (ffmpeg, OBS, a `minirtc url publish` URL) cannot follow a redirect, so a node that
// does not hold the push's room forwards the stream to the node that does, as SRS's edge
// publish does, instead of taking the room (which would make two nodes hold it: a pin conflict,
// settled by handing this node's half over). route_push, in order:
//  1. The room is held here: Here (no store read: a push for a room held here costs nothing).
//  2. Not looked up yet: LookUp (the caller locates the room as a join would, with itself as the
//     only candidate: the pin of a live node stands, a room no live node holds is pinned to the
//     caller; then asks again with the answer).
//  3. The store could not be asked: Refuse (a join for a room not held here fails the same way
//     while Redis is away; the encoder pushes again later).
//  4. No live node holds the room, or this one does (pinned here, the room not made yet): Here.
//     This node takes the room as it always did (its tick refreshes the pin).
//  5. Another live node holds it, and the push is itself a forward from a third node: Refuse.
//     A forward is one hop: the sender looks the room up again and forwards to the right node,
//     so two nodes that disagree for a moment cannot pass a stream back and forth.
//  6. Another live node holds it: Forward there (to its relay address; none: Refuse).
//
// While forwarding, the encoder stays connected to this node; the link to the room's node may
// end. forward_link_ended tells the two kinds of end apart:
//  - The room's node ended it for good: it sent an error status with kForwardDeniedCode before
//    closing, or refused the link with it. It does so where a single node would close the encoder
//    and not take it back by itself: its room closed the stream (an admin kick of the member, a
//    forbid-publish, a dismissed room, an invisible user's push), the encoder's URL was revoked,
//    another push of the stream took it over. CloseEncoder: this node closes the encoder as that
//    node would have (the same close), and does not link again; an encoder that pushes again is
//    routed as any new push (and the room's node decides again: a forbidden user's push is closed
//    at its first media, as on one node).
//  - Anything else (no status: that node died, the connection dropped or timed out; a refusal
//    with another code: that node drains, handed the room over, does not hold it, cannot reach the
//    store): a failure, retried after a backoff (retry_initial_ms doubled per failure in a row, at
//    most retry_max_ms; a link that carried media before it ended starts the count over), and at
//    the retry the room is looked up again (forward_due, then forward_located with route_push's
//    answer):
//  - Forward to a node: connect there (to another node than the one that failed: at once, the
//    count started over).
//  - Here (the room is held by this node now, or by none): close the encoder, which pushes again
//    (an encoder reconnects by itself) and this node takes the room normally, as step 1 or 4.
//  - Refuse (the store is away; no relay address): keep the encoder, count a failure, retry later.
//
// At a hand-over (this node lost a pin conflict, docs/cluster.md "Pin conflicts"), each push of
// the room published here goes by hand_over_push: a publication of a member that moves by its
// session stays until the hand-over's deadline (its client pushes to the winner once it heard its
// new URL); a push that is another node's forward is closed at once (that node looks the room up
// again and forwards to the winner itself: forwards are one hop); any other push (a media-only
// member's encoder, which cannot move) is forwarded to the winner.
//
// Moved members. A forward's push is its user's member on the room's node (a media-only member
// when the user is not there by signalling), and the app server hears that member join there.
// When the member already was in the room on another node that did not announce it leaving (the
// loser of a pin conflict, which ends its members as `moved`; a node that died, drained or handed
// the room over while this node forwarded to it), the forward URL says so (docs/protocol.md
// §2.7, signed m=1) and the room's node restores the member instead of announcing it again
// (room::PushOrigin::MovedIn). ForwardState::member_node is where the member was last: this node
// for a hand-over's forward, the node of the last link that started publishing otherwise (empty:
// nowhere yet, a fresh forward). A link says "moved" when it goes to another node than that.
// A link to the same node again says nothing: the member is either still there (its pusher back
// within the no-media timeout) or was ended there with an announced leave (kicked, the timeout
// passed), and then it is new again. When the lookup finds the room held here (CloseEncoder: the
// room's node went), the encoder's next push taken here is its member moving here if the member
// was anywhere (forward_member_moves_here).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/node_record.hpp"

namespace minirtc::cluster {

/// What is known about a push's room when it is routed.
struct PushFacts {
  bool held_here = false;           // this node holds the room now
  bool forwarded = false;           // the push is another node's forward (a node-signed URL)
  bool looked_up = false;           // the store was asked; the three fields below are its answer
  std::string lookup_error;         // non-empty: the store could not be asked
  std::optional<NodeRecord> owner;  // the room's live node by its pin (nullopt: none)
};

struct PushRoute {
  enum class Kind { Here, LookUp, Forward, Refuse };
  Kind kind = Kind::Here;
  NodeRecord node;     // Forward: where to
  std::string reason;  // Refuse: why (for the encoder and the log)
};

PushRoute route_push(const PushFacts& facts, std::string_view self_id);

enum class HandOverPush { Keep, Forward, Close };
HandOverPush hand_over_push(bool session_publication, bool forwarded_in);

struct ForwardTiming {
  std::uint32_t retry_initial_ms = 500;
  std::uint32_t retry_max_ms = 15000;
};

/// What a node remembers of one stream it forwards.
struct ForwardState {
  bool linked = false;            // a link to the room's node is open (connecting or publishing)
  bool looking_up = false;        // a lookup of the room is under way
  std::uint32_t failures = 0;     // links that ended (or lookups that failed) in a row
  std::uint64_t retry_at_ms = 0;  // no lookup before this
  std::string node;               // the node of the last link (what the failures count against)
  std::string member_node;        // where the push's member was last ("": nowhere yet; above)
};

struct ForwardStep {
  enum class Kind { Wait, Connect, CloseEncoder };
  Kind kind = Kind::Wait;
  NodeRecord node;     // Connect
  std::string reason;  // CloseEncoder: for the encoder; Wait after a refusal: for the log
};

/// Whether a link to `target` carries a member that moved there (the forward URL's m=1).
bool forward_moves_member(const ForwardState& state, std::string_view target);

/// The lookup said the room is held here now (CloseEncoder): whether the encoder's next push,
/// taken here, is its member moving here. True when the member was anywhere (on the room's node
/// that went, or here before a hand-over forgot it as `moved`).
bool forward_member_moves_here(const ForwardState& state);

/// The link to state.node started publishing: the member is there now.
void forward_published(ForwardState& state);

/// The wait before the retry after `failures` failures in a row (1 = the first).
std::uint32_t forward_backoff_ms(std::uint32_t failures, const ForwardTiming& timing);

/// The code of the error status (onStatus level "error") with which a room's node ends or
/// refuses a forward for good (docs/protocol.md §2.7). Every other end of a link is transient.
inline constexpr std::string_view kForwardDeniedCode = "NetStream.Publish.Denied";

/// How a link ended, as the forwarding node saw it.
struct ForwardLinkEnd {
  bool delivered_media = false;  // it carried the stream long enough to start the count over
  std::string status_code;       // the room's node's error status or `_error` code ("": none)
  std::string reason;            // its description, or the failure (for the encoder and the log)
};

/// Whether an end is final: the room's node said so (kForwardDeniedCode).
bool forward_end_is_final(const ForwardLinkEnd& end);

/// The link ended while the encoder is connected. Final (forward_end_is_final): CloseEncoder,
/// with the room's node's reason; the state is left unlinked and nothing is retried. Otherwise:
/// counts the failure, sets the retry, Wait.
ForwardStep forward_link_ended(ForwardState& state, const ForwardLinkEnd& end, std::uint64_t now_ms,
                               const ForwardTiming& timing);

/// Whether to look the room up now (no link, no lookup under way, the retry due); sets
/// looking_up when it says so.
bool forward_due(ForwardState& state, std::uint64_t now_ms);

/// A lookup's answer (route_push of the room, `forwarded` false): the next step. Connect sets
/// linked and the node.
ForwardStep forward_located(ForwardState& state, const PushRoute& route, std::uint64_t now_ms,
                            const ForwardTiming& timing);

}  // namespace minirtc::cluster
