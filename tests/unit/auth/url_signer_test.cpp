#include "auth/url_signer.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace minirtc::auth {
namespace {

constexpr std::string_view kAppId = "123456781234567812345678";
constexpr std::string_view kAppKey = "app key";
constexpr std::uint32_t kExpiry = 1700003600;
constexpr std::uint32_t kNow = 1700000000;

UrlGrant publish_grant() {
  return UrlGrant{UrlAction::Publish,
                  StreamId{std::string(kAppId), "r1", "alice", StreamKind::Main}, "", kExpiry,
                  "0123456789abcdef"};
}

UrlGrant play_grant() {
  return UrlGrant{UrlAction::Play, StreamId{std::string(kAppId), "r1", "alice", StreamKind::Screen},
                  "bob", kExpiry, "fedcba9876543210"};
}

std::optional<std::string> known_app(std::string_view app_id) {
  if (app_id == kAppId) return std::string(kAppKey);
  return std::nullopt;
}

Result<UrlGrant> verify(std::string_view key, std::string_view query, UrlAction expected,
                        std::uint32_t now = kNow) {
  return verify_url(key, query, expected, known_app, now);
}

void expect_refused(const Result<UrlGrant>& r, std::string_view reason) {
  ASSERT_FALSE(r.ok()) << "expected refusal: " << reason;
  EXPECT_EQ(r.error().reason, reason);
  EXPECT_EQ(r.error().reason.find(kAppKey), std::string::npos);
}

// Computed independently (Python hmac) from docs/protocol.md §2.2.
TEST(UrlSigner, PublishVector) {
  const auto g = publish_grant();
  EXPECT_EQ(url_signing_input(g),
            "minirtc-url-v1\npub\n123456781234567812345678\nr1\nalice\nmain\n\n1700003600\n"
            "0123456789abcdef");
  EXPECT_EQ(sign_url_query(g, kAppKey),
            "a=pub&e=1700003600&n=0123456789abcdef&s=d20dcc2cabac2d3f8c02e68cca236e8e");
}

TEST(UrlSigner, PlayVector) {
  const auto g = play_grant();
  EXPECT_EQ(sign_url_query(g, kAppKey),
            "a=play&v=bob&e=1700003600&n=fedcba9876543210&s=b2a98578306ea053027000a8f4fae11a");
}

TEST(UrlSigner, PublishIgnoresViewerWhenSigning) {
  auto g = publish_grant();
  g.viewer = "someone";
  EXPECT_EQ(sign_url_query(g, kAppKey), sign_url_query(publish_grant(), kAppKey));
}

TEST(UrlSigner, RoundTrip) {
  for (const auto& g : {publish_grant(), play_grant()}) {
    const auto key = stream_key(g.stream);
    const auto q = sign_url_query(g, kAppKey);
    auto r = verify(key, q, g.action);
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(*r, g);
    // valid up to and including the expiry second
    EXPECT_TRUE(verify(key, q, g.action, kExpiry));
  }
}

TEST(UrlSigner, RoundTripWithFreshNonces) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    auto g = play_grant();
    g.nonce = new_nonce();
    EXPECT_EQ(g.nonce.size(), kUrlNonceLength);
    seen.insert(g.nonce);
    auto r = verify(stream_key(g.stream), sign_url_query(g, kAppKey), UrlAction::Play);
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(r->nonce, g.nonce);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(UrlSigner, NonceFormat) {
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(is_url_nonce(new_nonce()));
  EXPECT_TRUE(is_url_nonce("0123456789abcdef"));
  for (const char* bad :
       {"", "0123456789abcde", "0123456789abcdef0", "0123456789ABCDEF", "0123456789abcdeg",
        "../../etc/passwd", "0123456789abcde ", "%30123456789abcd"})
    EXPECT_FALSE(is_url_nonce(bad)) << bad;
}

TEST(UrlSigner, SplitNameQuery) {
  EXPECT_EQ(split_name_query("k?a=pub&e=1"),
            (std::pair<std::string_view, std::string_view>{"k", "a=pub&e=1"}));
  EXPECT_EQ(split_name_query("k"), (std::pair<std::string_view, std::string_view>{"k", ""}));
  EXPECT_EQ(split_name_query("k?"), (std::pair<std::string_view, std::string_view>{"k", ""}));
  EXPECT_EQ(split_name_query("?x"), (std::pair<std::string_view, std::string_view>{"", "x"}));
  EXPECT_EQ(split_name_query("k?a?b"), (std::pair<std::string_view, std::string_view>{"k", "a?b"}));
}

TEST(UrlSigner, ToleratesUnknownFieldsOrderPercentEncodingAndLeadingQuestionMark) {
  const auto g = play_grant();
  const auto key = stream_key(g.stream);
  const auto s = url_signature(g, kAppKey);
  for (const std::string& q : {
           "x=1&a=play&v=bob&e=1700003600&n=fedcba9876543210&s=" + s + "&zz",
           "s=" + s + "&n=fedcba9876543210&e=1700003600&v=bob&a=play",
           "%61=pl%61y&v=%62ob&e=1700003600&n=fedcba9876543210&s=" + s,
           "?a=play&&v=bob&e=1700003600&n=fedcba9876543210&s=" + s + "&",
           "a=play&v=bob&e=1700003600&n=fedcba9876543210&s=" + s + "&wsTime=1&txSecret=%20",
       }) {
    auto r = verify(key, q, UrlAction::Play);
    ASSERT_TRUE(r) << q << ": " << r.error().reason;
    EXPECT_EQ(*r, g);
  }
  // upper-case hex signature is the same bytes
  std::string upper = s;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(
      verify(key, "a=play&v=bob&e=1700003600&n=fedcba9876543210&s=" + upper, UrlAction::Play));
}

// ---- refusals ----

TEST(UrlSigner, BadSignature) {
  const auto g = publish_grant();
  const auto key = stream_key(g.stream);
  const auto q = sign_url_query(g, kAppKey);
  const auto sig_pos = q.find("s=") + 2;
  for (std::size_t i = sig_pos; i < q.size(); ++i) {
    std::string bad = q;
    bad[i] = bad[i] == '0' ? '1' : '0';
    expect_refused(verify(key, bad, UrlAction::Publish), "URL signature invalid");
  }
  expect_refused(verify(key, sign_url_query(g, "other key"), UrlAction::Publish),
                 "URL signature invalid");
}

TEST(UrlSigner, Expired) {
  const auto g = play_grant();
  expect_refused(
      verify(stream_key(g.stream), sign_url_query(g, kAppKey), UrlAction::Play, kExpiry + 1),
      "URL expired");
  auto zero = g;
  zero.expire_at = 0;  // 0 is a time long past, not "never"
  expect_refused(verify(stream_key(g.stream), sign_url_query(zero, kAppKey), UrlAction::Play, 1),
                 "URL expired");
}

TEST(UrlSigner, WrongAction) {
  const auto pub = publish_grant();
  const auto play = play_grant();
  expect_refused(verify(stream_key(pub.stream), sign_url_query(pub, kAppKey), UrlAction::Play),
                 "URL is for publishing, not playing");
  expect_refused(verify(stream_key(play.stream), sign_url_query(play, kAppKey), UrlAction::Publish),
                 "URL is for playing, not publishing");
}

TEST(UrlSigner, WrongStream) {
  const auto g = play_grant();
  const auto q = sign_url_query(g, kAppKey);
  for (auto other : {StreamId{std::string(kAppId), "r2", "alice", StreamKind::Screen},
                     StreamId{std::string(kAppId), "r1", "alicf", StreamKind::Screen},
                     StreamId{std::string(kAppId), "r1", "alice", StreamKind::Main}}) {
    expect_refused(verify(stream_key(other), q, UrlAction::Play), "URL signature invalid");
  }
}

TEST(UrlSigner, MissingOrBadViewer) {
  const auto g = play_grant();
  const auto key = stream_key(g.stream);
  const auto s = url_signature(g, kAppKey);
  expect_refused(verify(key, "a=play&e=1700003600&n=fedcba9876543210&s=" + s, UrlAction::Play),
                 "play URL has no viewer (field v)");
  expect_refused(verify(key, "a=play&v=&e=1700003600&n=fedcba9876543210&s=" + s, UrlAction::Play),
                 "play URL has no viewer (field v)");
  expect_refused(
      verify(key, "a=play&v=b%7Eob&e=1700003600&n=fedcba9876543210&s=" + s, UrlAction::Play),
      "play URL viewer (field v) is not a valid id");
  // another viewer with the same signature
  expect_refused(
      verify(key, "a=play&v=eve&e=1700003600&n=fedcba9876543210&s=" + s, UrlAction::Play),
      "URL signature invalid");
  // a viewer on a publish URL
  const auto pub = publish_grant();
  expect_refused(
      verify(stream_key(pub.stream), sign_url_query(pub, kAppKey) + "&v=bob", UrlAction::Publish),
      "publish URL must not name a viewer (field v)");
  // an empty v on a publish URL is what "absent" signs as
  EXPECT_TRUE(
      verify(stream_key(pub.stream), sign_url_query(pub, kAppKey) + "&v=", UrlAction::Publish));
}

TEST(UrlSigner, TamperedFields) {
  const auto g = play_grant();
  const auto key = stream_key(g.stream);
  const auto s = url_signature(g, kAppKey);
  for (const std::string& q : {
           "a=play&v=bob&e=1700003601&n=fedcba9876543210&s=" + s,  // later expiry
           "a=play&v=bob&e=1700003600&n=fedcba9876543211&s=" + s,  // other nonce
           "a=play&v=bob2&e=1700003600&n=fedcba9876543210&s=" + s,
       }) {
    expect_refused(verify(key, q, UrlAction::Play, kNow), "URL signature invalid");
  }
  // a non-canonical spelling of the same expiry
  expect_refused(
      verify(key, "a=play&v=bob&e=01700003600&n=fedcba9876543210&s=" + s, UrlAction::Play),
      "URL field e is not unix seconds");
  // a second value for a signed field
  expect_refused(verify(key, sign_url_query(g, kAppKey) + "&e=1800000000", UrlAction::Play),
                 "URL query repeats field e");
  expect_refused(verify(key, sign_url_query(g, kAppKey) + "&%61=pub", UrlAction::Play),
                 "URL query repeats field a");
}

TEST(UrlSigner, UnknownApp) {
  auto g = play_grant();
  g.stream.app_id = "876543218765432187654321";
  expect_refused(verify(stream_key(g.stream), sign_url_query(g, kAppKey), UrlAction::Play),
                 "unknown appId");
  expect_refused(verify_url(stream_key(play_grant().stream), sign_url_query(play_grant(), kAppKey),
                            UrlAction::Play, UrlAppKeyLookup{}, kNow),
                 "unknown appId");
}

TEST(UrlSigner, BadStreamKey) {
  const auto q = sign_url_query(play_grant(), kAppKey);
  for (std::string_view key :
       {"", "abc", "123456781234567812345678~r1~alice", "123456781234567812345678~r1~alice~cam",
        "123456781234567812345678~r1~alice~screen.flv", "12345678123456781234567~r1~alice~main",
        "123456781234567812345678~~alice~main"}) {
    expect_refused(verify(key, q, UrlAction::Play), "stream key malformed");
  }
  expect_refused(verify(std::string(2000, 'a'), q, UrlAction::Play), "stream key too long");
}

TEST(UrlSigner, GarbageQueries) {
  const auto g = play_grant();
  const auto key = stream_key(g.stream);
  const auto s = url_signature(g, kAppKey);
  const std::string tail = "&e=1700003600&n=fedcba9876543210&s=" + s;
  const std::pair<std::string, std::string_view> cases[] = {
      {"", "URL not signed: field a missing"},
      {"garbage", "URL not signed: field a missing"},
      {"&&&==&=", "URL not signed: field a missing"},
      {"a=play&v=bob&n=fedcba9876543210&s=" + s, "URL not signed: field e missing"},
      {"a=play&v=bob&e=1700003600&s=" + s, "URL not signed: field n missing"},
      {"a=play&v=bob&e=1700003600&n=fedcba9876543210", "URL not signed: field s missing"},
      {"a=watch&v=bob" + tail, "URL field a is not pub, play, relay or fwd"},
      {"a=PLAY&v=bob" + tail, "URL field a is not pub, play, relay or fwd"},
      {"a=play&v=bob&e=&n=fedcba9876543210&s=" + s, "URL field e is not unix seconds"},
      {"a=play&v=bob&e=-5&n=fedcba9876543210&s=" + s, "URL field e is not unix seconds"},
      {"a=play&v=bob&e=4294967296&n=fedcba9876543210&s=" + s, "URL field e is not unix seconds"},
      {"a=play&v=bob&e=1e9&n=fedcba9876543210&s=" + s, "URL field e is not unix seconds"},
      {"a=play&v=bob&e=1700003600&n=FEDCBA9876543210&s=" + s,
       "URL field n is not 16 lower-case hex characters"},
      {"a=play&v=bob&e=1700003600&n=fedcba987654321&s=" + s,
       "URL field n is not 16 lower-case hex characters"},
      {"a=play&v=bob&e=1700003600&n=fedcba9876543210&s=" + s.substr(1),
       "URL field s is not 32 hex characters"},
      {"a=play&v=bob&e=1700003600&n=fedcba9876543210&s=" + s + "00",
       "URL field s is not 32 hex characters"},
      {"a=play&v=bob&e=1700003600&n=fedcba9876543210&s=zz" + s.substr(2),
       "URL field s is not 32 hex characters"},
      {"a=pl%ay&v=bob" + tail, "URL query badly percent-encoded"},
      {"a=play&v=bob" + tail + "&x=%", "URL query badly percent-encoded"},
      {"a=play&v=bob" + tail + "&x=%4", "URL query badly percent-encoded"},
      {"a=play&v=bob" + tail + "&x=" + std::string(kMaxUrlQueryLength, 'x'), "URL query too long"},
  };
  for (const auto& [q, reason] : cases) {
    SCOPED_TRACE(q);
    expect_refused(verify(key, q, UrlAction::Play), reason);
  }
  std::string many = sign_url_query(g, kAppKey);
  for (std::size_t i = 0; i < kMaxUrlQueryFields; ++i) many += "&x";
  expect_refused(verify(key, many, UrlAction::Play), "URL query has too many fields");
}

// Relay pull URLs: signed with the cluster secret, action "relay", no viewer.
constexpr std::string_view kClusterSecret = "cluster secret";

UrlGrant relay_grant() {
  return UrlGrant{UrlAction::Relay, StreamId{std::string(kAppId), "r1", "alice", StreamKind::Main},
                  "", kExpiry, "00112233aabbccdd"};
}

Result<UrlGrant> verify_relay(std::string_view key, std::string_view query,
                              std::uint32_t now = kNow) {
  return verify_url(
      key, query, UrlAction::Relay,
      [](std::string_view app_id) -> std::optional<std::string> {
        if (app_id == kAppId) return std::string(kClusterSecret);
        return std::nullopt;
      },
      now);
}

// Computed independently (Python hmac) from docs/protocol.md, "Relay pull URLs".
TEST(UrlSigner, RelayVector) {
  const auto g = relay_grant();
  EXPECT_EQ(sign_url_query(g, kClusterSecret),
            "a=relay&e=1700003600&n=00112233aabbccdd&s=c3d14b5ffdcf1b59a436f397b92cf733");
  auto ok = verify_relay(stream_key(g.stream), sign_url_query(g, kClusterSecret));
  ASSERT_TRUE(ok) << ok.error().reason;
  EXPECT_EQ(*ok, g);
  EXPECT_EQ(url_query_action(sign_url_query(g, kClusterSecret)), UrlAction::Relay);
  EXPECT_EQ(url_query_action(sign_url_query(play_grant(), kAppKey)), UrlAction::Play);
  EXPECT_EQ(url_query_action("a=watch"), std::nullopt);
  EXPECT_EQ(url_query_action(""), std::nullopt);
}

TEST(UrlSigner, RelayRefusesForgedExpiredAndCrossedUrls) {
  const auto g = relay_grant();
  const auto key = stream_key(g.stream);
  // Signed with the app key (what an app's backend could make) instead of the cluster secret.
  expect_refused(verify_relay(key, sign_url_query(g, kAppKey)), "URL signature invalid");
  expect_refused(verify_relay(key, sign_url_query(g, kClusterSecret), kExpiry + 1), "URL expired");
  // Another stream under the same signature.
  expect_refused(
      verify_relay(stream_key(StreamId{std::string(kAppId), "r1", "bob", StreamKind::Main}),
                   sign_url_query(g, kClusterSecret)),
      "URL signature invalid");
  // A viewer's play URL is no relay URL, and a relay URL plays nowhere as a viewer's.
  const auto play = play_grant();
  expect_refused(verify_relay(stream_key(play.stream), sign_url_query(play, kAppKey)),
                 "URL is for playing, not relaying");
  expect_refused(verify(key, sign_url_query(g, kClusterSecret), UrlAction::Play),
                 "URL is for relaying, not playing");
  // A play URL's fields relabelled as relay: the action is signed.
  auto relabelled = sign_url_query(play, kAppKey);
  relabelled.replace(0, relabelled.find('&', relabelled.find("&v=") + 1), "a=relay");
  expect_refused(verify_relay(stream_key(play.stream), relabelled), "URL signature invalid");
  expect_refused(verify_relay(key, sign_url_query(g, kClusterSecret) + "&v=bob"),
                 "relay URL must not name a viewer (field v)");
}

// Forward push URLs: a node's publish of a stream pushed to it for a room another node holds.
// Signed with the cluster secret, action "fwd", no viewer.
UrlGrant forward_grant() {
  auto g = relay_grant();
  g.action = UrlAction::Forward;
  return g;
}

Result<UrlGrant> verify_forward(std::string_view key, std::string_view query,
                                std::uint32_t now = kNow) {
  return verify_url(
      key, query, UrlAction::Forward,
      [](std::string_view app_id) -> std::optional<std::string> {
        if (app_id == kAppId) return std::string(kClusterSecret);
        return std::nullopt;
      },
      now);
}

// Computed independently (Python hmac) from docs/protocol.md, "Forward push URLs".
TEST(UrlSigner, ForwardVector) {
  const auto g = forward_grant();
  EXPECT_EQ(sign_url_query(g, kClusterSecret),
            "a=fwd&e=1700003600&n=00112233aabbccdd&s=1161d4bbc4857da300d81bee0a2aefa8");
  auto ok = verify_forward(stream_key(g.stream), sign_url_query(g, kClusterSecret));
  ASSERT_TRUE(ok) << ok.error().reason;
  EXPECT_EQ(*ok, g);
  EXPECT_EQ(url_query_action(sign_url_query(g, kClusterSecret)), UrlAction::Forward);
}

TEST(UrlSigner, ForwardRefusesForgedExpiredAndCrossedUrls) {
  const auto g = forward_grant();
  const auto key = stream_key(g.stream);
  // Signed with the app key (what an app's backend, or anyone with a publish URL's key, could
  // make) instead of the cluster secret.
  expect_refused(verify_forward(key, sign_url_query(g, kAppKey)), "URL signature invalid");
  expect_refused(verify_forward(key, sign_url_query(g, kClusterSecret), kExpiry + 1),
                 "URL expired");
  expect_refused(
      verify_forward(stream_key(StreamId{std::string(kAppId), "r1", "bob", StreamKind::Main}),
                     sign_url_query(g, kClusterSecret)),
      "URL signature invalid");
  // A relay pull URL is no forward URL and the other way round; an app's publish URL neither.
  expect_refused(verify_forward(key, sign_url_query(relay_grant(), kClusterSecret)),
                 "URL is for relaying, not forwarding");
  expect_refused(verify_relay(key, sign_url_query(g, kClusterSecret)),
                 "URL is for forwarding, not relaying");
  expect_refused(verify(key, sign_url_query(g, kClusterSecret), UrlAction::Publish),
                 "URL is for forwarding, not publishing");
  auto publish = g;
  publish.action = UrlAction::Publish;
  expect_refused(verify_forward(key, sign_url_query(publish, kAppKey)),
                 "URL is for publishing, not forwarding");
  // A relay URL's fields relabelled as a forward: the action is signed.
  auto relabelled = sign_url_query(relay_grant(), kClusterSecret);
  relabelled.replace(0, relabelled.find('&'), "a=fwd");
  expect_refused(verify_forward(key, relabelled), "URL signature invalid");
  expect_refused(verify_forward(key, sign_url_query(g, kClusterSecret) + "&v=bob"),
                 "forward URL must not name a viewer (field v)");
}

// A forward of a member that moved from another node: m=1, and "\nmoved" after the nonce in the
// signed bytes. Computed independently (Python hmac) from docs/protocol.md §2.7.
TEST(UrlSigner, MovedForwardVector) {
  auto g = forward_grant();
  g.moved = true;
  EXPECT_EQ(sign_url_query(g, kClusterSecret),
            "a=fwd&m=1&e=1700003600&n=00112233aabbccdd&s=d82a24a040e80068a57f096cb9b63b18");
  auto ok = verify_forward(stream_key(g.stream), sign_url_query(g, kClusterSecret));
  ASSERT_TRUE(ok) << ok.error().reason;
  EXPECT_TRUE(ok->moved);
  EXPECT_EQ(*ok, g);
  EXPECT_EQ(url_query_action(sign_url_query(g, kClusterSecret)), UrlAction::Forward);
}

TEST(UrlSigner, MovedFlagCannotBeAddedRemovedOrBent) {
  const auto fresh = forward_grant();
  auto moved = fresh;
  moved.moved = true;
  const auto key = stream_key(fresh.stream);
  const auto fresh_q = sign_url_query(fresh, kClusterSecret);
  const auto moved_q = sign_url_query(moved, kClusterSecret);
  // Added to a fresh forward's URL, or taken off a moved one's: the signature no longer fits.
  expect_refused(verify_forward(key, fresh_q + "&m=1"), "URL signature invalid");
  auto stripped = moved_q;
  stripped.erase(stripped.find("&m=1"), 4);
  expect_refused(verify_forward(key, stripped), "URL signature invalid");
  // Another value, or twice.
  auto bent = moved_q;
  bent.replace(bent.find("m=1"), 3, "m=2");
  expect_refused(verify_forward(key, bent), "forward URL field m is not 1");
  expect_refused(verify_forward(key, moved_q + "&m=1"), "URL query repeats field m");
  // Percent-encoded as any field: the same flag.
  auto encoded = moved_q;
  encoded.replace(encoded.find("m=1"), 3, "%6D=%31");
  auto ok = verify_forward(key, encoded);
  ASSERT_TRUE(ok) << ok.error().reason;
  EXPECT_TRUE(ok->moved);
  // m means nothing to the other actions (an unknown field, as before): ignored, not signed.
  const auto pub = publish_grant();
  auto pub_ok =
      verify(stream_key(pub.stream), sign_url_query(pub, kAppKey) + "&m=1&m=x", UrlAction::Publish);
  ASSERT_TRUE(pub_ok) << pub_ok.error().reason;
  EXPECT_FALSE(pub_ok->moved);
  auto relay = relay_grant();
  relay.moved = true;  // not a forward: not signed, not written
  EXPECT_EQ(sign_url_query(relay, kClusterSecret), sign_url_query(relay_grant(), kClusterSecret));
}

}  // namespace
}  // namespace minirtc::auth
