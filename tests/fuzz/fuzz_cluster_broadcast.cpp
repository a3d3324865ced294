// libFuzzer target: what a node does with a message on the broadcast channel (keys::broadcast,
// server/cluster_node.cpp): verify the signed envelope (cluster/signing.hpp) under the cluster
// secret, then decode its body (cluster/broadcast.hpp). Both come from Redis, which anyone with
// its password can write, so both are network parsers.
//
// Each input is used twice:
//   1. as a whole envelope, verified as the subscriber does (fixed secret and clock): what is
//      accepted must be within kMaxBroadcastMessage (the channel's limit), must be refused under
//      another secret and at another time beyond the allowed skew, and must verify again once
//      re-signed canonically with the same sender, time and body;
//   2. as a body, signed here with the test secret (a fuzzer cannot forge an HMAC, so this is how
//      it reaches the body decoder through the real verify path): the envelope must verify back
//      to the same sender, time and body while it fits the size limit, and must be refused after
//      any one-byte change of its signed part or under another secret.
// Whatever body decodes must be within its kind's limit (a revoke or viewer mute at most
// kMaxSmallBroadcast, a forwarded report's body at most kMaxForwardedReport, every body at most
// kMaxBroadcastBody), satisfy the decoder's checks (message id, URL nonce, stream key, viewer and
// node id), and round-trip: decode(encode(m, id)) == (id, m) and encode is a fixpoint. Its id,
// admitted by a replay guard (cluster/replay_guard.hpp) at the fixed clock, is fresh once and a
// replay the second time.
// Invariant failures abort, so libFuzzer reports them as crashes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "auth/url_signer.hpp"
#include "cluster/broadcast.hpp"
#include "cluster/replay_guard.hpp"
#include "cluster/signing.hpp"
#include "core/ids.hpp"

namespace {

using namespace minirtc;
using namespace minirtc::cluster;

constexpr std::string_view kSecret = "fuzz-cluster-secret-0123456789";
constexpr std::string_view kOtherSecret = "fuzz-cluster-secret-0123456788";
constexpr std::string_view kSender = "node-1";
constexpr std::uint64_t kNowMs = 1'796'187'219'000;  // the seeds are signed at this time
constexpr std::uint64_t kMaxSkewMs = 5'000;

void check(bool ok) {
  if (!ok) std::abort();
}

/// A body that decoded: its contract holds and it round-trips through the encoder.
void check_broadcast(std::string_view body) {
  auto decoded = decode_broadcast(body);
  if (!decoded) return;
  check(body.size() <= kMaxBroadcastBody);
  check(is_broadcast_id(decoded->id));
  ReplayGuard guard(kMaxSkewMs, 4);
  check(guard.admit(decoded->id, kNowMs, kNowMs) == ReplayGuard::Verdict::Fresh);
  check(guard.admit(decoded->id, kNowMs, kNowMs + kMaxSkewMs) == ReplayGuard::Verdict::Replay);
  const auto& message = decoded->message;
  if (const auto* r = std::get_if<RevokeMessage>(&message)) {
    check(body.size() <= kMaxSmallBroadcast);
    check(auth::is_url_nonce(r->nonce));
  } else if (const auto* f = std::get_if<ReportForwardMessage>(&message)) {
    check(is_valid_id(f->to));
    check(f->body.size() <= kMaxForwardedReport);
  } else {
    check(body.size() <= kMaxSmallBroadcast);
    const auto& m = std::get<ViewerMuteMessage>(message);
    check(is_valid_app_id(m.stream.app_id) && is_valid_id(m.stream.room_id) &&
          is_valid_id(m.stream.user_id) && is_valid_id(m.viewer));
  }
  const auto encoded = encode_broadcast(message, decoded->id);
  check(encoded.size() <= kMaxBroadcastBody);
  auto again = decode_broadcast(encoded);
  check(again.ok());
  check(*again == *decoded);
  check(encode_broadcast(again->message, again->id) == encoded);
}

bool verifies(std::string_view secret, std::string_view text, std::uint64_t now_ms) {
  return verify_node_message(secret, text, now_ms, kMaxSkewMs, kMaxBroadcastMessage).ok();
}

/// 1: the input as an envelope off the channel.
void as_envelope(std::string_view text) {
  auto msg = verify_node_message(kSecret, text, kNowMs, kMaxSkewMs, kMaxBroadcastMessage);
  if (!msg) return;
  check(text.size() <= kMaxBroadcastMessage);
  check(text.ends_with(msg->body));
  check(!verifies(kOtherSecret, text, kNowMs));
  check(!verifies(kSecret, text, msg->sent_ms + kMaxSkewMs + 1));
  if (msg->sent_ms > kMaxSkewMs) check(!verifies(kSecret, text, msg->sent_ms - kMaxSkewMs - 1));
  // The canonical form of what was accepted (the input may spell SENT with leading zeros or SIG
  // in upper case) verifies to the same message.
  const auto canonical = sign_node_message(kSecret, msg->from, msg->sent_ms, msg->body);
  auto back = verify_node_message(kSecret, canonical, kNowMs, kMaxSkewMs, kMaxBroadcastMessage);
  check(back.ok());
  check(back->from == msg->from && back->sent_ms == msg->sent_ms && back->body == msg->body);
  check_broadcast(msg->body);
}

/// 2: the input as a body, signed here.
void as_body(std::string_view body) {
  std::string env = sign_node_message(kSecret, kSender, kNowMs, body);
  auto msg = verify_node_message(kSecret, env, kNowMs, kMaxSkewMs, kMaxBroadcastMessage);
  check(msg.ok() == (env.size() <= kMaxBroadcastMessage));
  if (!msg) return;
  check(msg->from == kSender && msg->sent_ms == kNowMs && msg->body == body);
  check(!verifies(kOtherSecret, env, kNowMs));
  // Any one-byte change of sender, time, signature or body is refused. The byte changed is
  // chosen by the input, so the fuzzer walks every position.
  const std::size_t signed_from = 3;  // after "v1."
  std::size_t at = signed_from;
  for (unsigned char c : body) at = at * 31 + c;
  at = signed_from + at % (env.size() - signed_from);
  env[at] = static_cast<char>(env[at] ^ 0x01);  // digits stay digits, '.' becomes '/'
  check(!verifies(kSecret, env, kNowMs));
  check_broadcast(msg->body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  as_envelope(input);
  as_body(input);
  return 0;
}
