#include "auth/access_token.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/base64.hpp"
#include "auth/hmac.hpp"
#include "util/byte_writer.hpp"
#include "util/hex.hpp"

namespace minirtc::auth {
namespace {

// The spec's test vectors (/work/shared/spec/access-token.md).
constexpr std::string_view kAppId = "123456781234567812345678";
constexpr std::string_view kAppKey = "app key";

constexpr std::string_view kV1Msg =
    "4e61bc0000f153658042556508006e657720726f6f6d0b006e657720757365722069640500000080425565010080"
    "425565020080425565030080425565040000000000";
constexpr std::string_view kV1Signature =
    "3068c94dc7bc2e14065e53eaf24e4f48e9cd736331ffe38e1b886e5f0b0dd564";
constexpr std::string_view kV1Token =
    "001123456781234567812345678QwBOYbwAAPFTZYBCVWUIAG5ldyByb29tCwBuZXcgdXNlciBpZAUAAACAQlVlAQCAQl"
    "VlAgCAQlVlAwCAQlVlBAAAAAAAIAAwaMlNx7wuFAZeU+ryTk9I6c1zYzH/444biG5fCw3VZA==";
constexpr std::uint32_t kV1ExpireAt = 1700086400;

constexpr std::string_view kV2Msg =
    "0100000000f15365000000000500726f6f6d31050075736572310100040000000000";
constexpr std::string_view kV2Signature =
    "38b20851437a775d98f0d79b2db79a40fa1bd14f72d30c04823735f5aa9474fe";
constexpr std::string_view kV2Token =
    "001123456781234567812345678IgABAAAAAPFTZQAAAAAFAHJvb20xBQB1c2VyMQEABAAAAAAAIAA4sghRQ3p3XZjw15s"
    "tt5pA+hvRT3LTDASCNzX1qpR0/g==";

constexpr std::uint32_t kIssuedAt = 1700000000;

AccessToken v1() {
  AccessToken t;
  t.app_id = std::string(kAppId);
  t.room_id = "new room";
  t.user_id = "new user id";
  t.nonce = 12345678;
  t.issued_at = kIssuedAt;
  t.expire_at = kV1ExpireAt;
  t.add_privilege(Privilege::PublishStream, kV1ExpireAt);
  t.add_privilege(Privilege::SubscribeStream, 0);
  return t;
}

AccessToken v2() {
  AccessToken t;
  t.app_id = std::string(kAppId);
  t.room_id = "room1";
  t.user_id = "user1";
  t.nonce = 1;
  t.issued_at = kIssuedAt;
  t.expire_at = 0;
  t.add_privilege(Privilege::SubscribeStream, 0);
  return t;
}

/// A token from arbitrary content bytes, to build malformed tokens the encoder cannot make.
std::string token_from_content(const std::vector<std::uint8_t>& content,
                               std::string_view app_id = kAppId) {
  return std::string("001").append(app_id).append(base64_encode(content));
}

/// content = bytes(msg) || bytes(HMAC(kAppKey, msg)), i.e. a correctly signed token body.
std::vector<std::uint8_t> signed_content(const std::vector<std::uint8_t>& msg) {
  std::vector<std::uint8_t> content;
  ByteWriter w(content);
  w.u16le(static_cast<std::uint16_t>(msg.size()));
  w.bytes(msg);
  auto sig = hmac_sha256(kAppKey, msg);
  w.u16le(32);
  w.bytes(sig);
  return content;
}

/// msg for room "r", user "u" with the given privilege list written in the given order.
std::vector<std::uint8_t> msg_with_privileges(
    const std::vector<std::pair<std::uint16_t, std::uint32_t>>& privileges) {
  std::vector<std::uint8_t> msg;
  ByteWriter w(msg);
  w.u32le(7);
  w.u32le(kIssuedAt);
  w.u32le(0);
  w.u16le(1);
  w.string("r");
  w.u16le(1);
  w.string("u");
  w.u16le(static_cast<std::uint16_t>(privileges.size()));
  for (auto [k, v] : privileges) {
    w.u16le(k);
    w.u32le(v);
  }
  return msg;
}

Result<AccessToken> check(std::string_view token, std::string_view room, std::string_view user,
                          TokenAction action, std::uint32_t now) {
  return check_token(token, kAppId, kAppKey, room, user, action, now);
}

void expect_refused(const Result<AccessToken>& r, std::string_view reason) {
  ASSERT_FALSE(r.ok()) << "expected refusal: " << reason;
  EXPECT_EQ(r.error().reason, reason);
  EXPECT_EQ(r.error().reason.find(kAppKey), std::string::npos);
}

// ---- test vectors, byte for byte ----

TEST(AccessTokenVectors, V1MsgSignatureToken) {
  const auto t = v1();
  EXPECT_EQ(to_hex(encode_token_msg(t)), kV1Msg);
  EXPECT_EQ(to_hex(hmac_sha256(kAppKey, encode_token_msg(t))), kV1Signature);
  EXPECT_EQ(encode_token(t, kAppKey), kV1Token);
}

TEST(AccessTokenVectors, V2MsgSignatureToken) {
  const auto t = v2();
  EXPECT_EQ(to_hex(encode_token_msg(t)), kV2Msg);
  EXPECT_EQ(to_hex(hmac_sha256(kAppKey, encode_token_msg(t))), kV2Signature);
  EXPECT_EQ(encode_token(t, kAppKey), kV2Token);
}

TEST(AccessTokenVectors, ParseV1) {
  auto parsed = parse_signed_token(kV1Token);
  ASSERT_TRUE(parsed) << parsed.error().reason;
  EXPECT_EQ(parsed->token, v1());
  EXPECT_EQ(to_hex(parsed->msg), kV1Msg);
  EXPECT_EQ(to_hex(parsed->signature), kV1Signature);
  EXPECT_TRUE(verify_signature(*parsed, kAppKey));
  const std::map<std::uint16_t, std::uint32_t> expected = {
      {0, kV1ExpireAt}, {1, kV1ExpireAt}, {2, kV1ExpireAt}, {3, kV1ExpireAt}, {4, 0}};
  EXPECT_EQ(parsed->token.privileges, expected);
  EXPECT_EQ(parsed->token.room_id, "new room");
  EXPECT_EQ(parsed->token.user_id, "new user id");
  EXPECT_EQ(parsed->token.nonce, 12345678u);
}

TEST(AccessTokenVectors, ParseV2) {
  auto parsed = parse_signed_token(kV2Token);
  ASSERT_TRUE(parsed) << parsed.error().reason;
  EXPECT_EQ(parsed->token, v2());
  EXPECT_EQ(to_hex(parsed->msg), kV2Msg);
  EXPECT_EQ(to_hex(parsed->signature), kV2Signature);
  EXPECT_TRUE(verify_signature(*parsed, kAppKey));
  auto plain = parse_token(kV2Token);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, v2());
}

// ---- privileges ----

TEST(AccessToken, PublishImpliesAudioVideoData) {
  AccessToken t;
  t.add_privilege(Privilege::PublishStream, 99);
  const std::map<std::uint16_t, std::uint32_t> expected = {{0, 99}, {1, 99}, {2, 99}, {3, 99}};
  EXPECT_EQ(t.privileges, expected);
  AccessToken a;
  a.add_privilege(Privilege::PublishAudioStream, 5);
  EXPECT_EQ(a.privileges.size(), 1u);
}

TEST(AccessToken, PrivilegeExpiry) {
  const auto t1 = v1();
  EXPECT_EQ(privilege_expiry(t1, TokenAction::Publish), kV1ExpireAt);
  EXPECT_EQ(privilege_expiry(t1, TokenAction::Subscribe), 0u);
  EXPECT_EQ(privilege_expiry(t1, TokenAction::Join), 0u);  // subscribe never expires
  const auto t2 = v2();
  EXPECT_EQ(privilege_expiry(t2, TokenAction::Publish), std::nullopt);
  EXPECT_EQ(privilege_expiry(t2, TokenAction::Join), 0u);
  AccessToken t;
  EXPECT_EQ(privilege_expiry(t, TokenAction::Join), std::nullopt);
  t.add_privilege(Privilege::PublishStream, 300);
  EXPECT_EQ(privilege_expiry(t, TokenAction::Join), 300u);
  t.add_privilege(Privilege::SubscribeStream, 200);
  EXPECT_EQ(privilege_expiry(t, TokenAction::Join), 300u);
  t.add_privilege(Privilege::SubscribeStream, 400);
  EXPECT_EQ(privilege_expiry(t, TokenAction::Join), 400u);
}

TEST(AccessToken, IsExpired) {
  EXPECT_FALSE(is_expired(0, 0xFFFFFFFFu));
  EXPECT_FALSE(is_expired(100, 99));
  EXPECT_TRUE(is_expired(100, 100));  // valid only while expire_at is in the future
  EXPECT_TRUE(is_expired(100, 101));
}

// ---- round trips ----

TEST(AccessToken, EncodeParseRoundTrip) {
  AccessToken t;
  t.app_id = "abcdefABCDEF012345678901";
  t.room_id = std::string(128, 'r');
  t.user_id = "user@example.com";
  t.nonce = 0xFFFFFFFFu;
  t.issued_at = 1;
  t.expire_at = 0xFFFFFFFEu;
  for (std::uint16_t k = 0; k < kMaxTokenPrivileges; ++k) t.privileges[k * 1000] = k;
  const auto token = encode_token(t, "another key");
  EXPECT_LE(token.size(), kMaxTokenLength);
  auto parsed = parse_signed_token(token);
  ASSERT_TRUE(parsed) << parsed.error().reason;
  EXPECT_EQ(parsed->token, t);
  EXPECT_TRUE(verify_signature(*parsed, "another key"));
  EXPECT_FALSE(verify_signature(*parsed, "another kez"));
  EXPECT_FALSE(verify_signature(*parsed, ""));
}

TEST(AccessToken, EmptyRoomUserAndPrivilegesRoundTrip) {
  AccessToken t;
  t.app_id = std::string(kAppId);
  auto parsed = parse_token(encode_token(t, ""));
  ASSERT_TRUE(parsed) << parsed.error().reason;
  EXPECT_EQ(*parsed, t);
}

// ---- the server's checks, positive ----

TEST(CheckToken, V1AllowsJoinPublishSubscribeWhileValid) {
  for (auto action : {TokenAction::Join, TokenAction::Publish, TokenAction::Subscribe}) {
    for (std::uint32_t now : {0u, kIssuedAt, kV1ExpireAt - 1}) {
      auto r = check(kV1Token, "new room", "new user id", action, now);
      ASSERT_TRUE(r) << r.error().reason;
      EXPECT_EQ(*r, v1());
    }
  }
}

TEST(CheckToken, V2AllowsJoinAndSubscribeForever) {
  for (auto action : {TokenAction::Join, TokenAction::Subscribe}) {
    auto r = check(kV2Token, "room1", "user1", action, 0xFFFFFFFFu);
    ASSERT_TRUE(r) << r.error().reason;
  }
}

TEST(CheckToken, WildcardRoomMatchesAnyRoom) {
  auto t = v2();
  t.room_id = "*";
  const auto token = encode_token(t, kAppKey);
  for (std::string_view room : {"room1", "other-room", "a"}) {
    auto r = check(token, room, "user1", TokenAction::Join, kIssuedAt);
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(r->room_id, "*");
  }
  // the wildcard covers rooms, never users
  expect_refused(check(token, "room1", "user2", TokenAction::Join, kIssuedAt),
                 "token is for another user");
}

TEST(CheckToken, LookupOverloadFindsKeyByTokenAppId) {
  const std::string other_app = "000000000000000000000000";
  AppKeyLookup lookup = [&](std::string_view id) -> std::optional<std::string> {
    if (id == kAppId) return std::string(kAppKey);
    if (id == other_app) return std::string("other key");
    return std::nullopt;
  };
  auto ok = check_token(kV1Token, lookup, kAppId, "new room", "new user id", TokenAction::Join,
                        kIssuedAt);
  ASSERT_TRUE(ok) << ok.error().reason;
  // A genuine token of another known app is not a token for this join's app.
  expect_refused(check_token(kV1Token, lookup, other_app, "new room", "new user id",
                             TokenAction::Join, kIssuedAt),
                 "token is for another appId");
  expect_refused(check_token(kV1Token, AppKeyLookup{}, kAppId, "new room", "new user id",
                             TokenAction::Join, kIssuedAt),
                 "token appId unknown");
}

// ---- the spec's negative cases ----

TEST(CheckToken, WrongAppKey) {
  for (std::string_view key : {"app kez", "App key", "app key ", "", "app ke"}) {
    expect_refused(
        check_token(kV1Token, kAppId, key, "new room", "new user id", TokenAction::Join, kIssuedAt),
        "token signature invalid");
  }
}

TEST(CheckToken, V1AfterExpiry) {
  for (std::uint32_t now : {kV1ExpireAt, kV1ExpireAt + 1, 0xFFFFFFFFu}) {
    for (auto action : {TokenAction::Join, TokenAction::Publish, TokenAction::Subscribe})
      expect_refused(check(kV1Token, "new room", "new user id", action, now), "token expired");
  }
}

TEST(CheckToken, Prefix002) {
  std::string token(kV1Token);
  token[2] = '2';
  expect_refused(check(token, "new room", "new user id", TokenAction::Join, kIssuedAt),
                 "token version is not 001");
  EXPECT_FALSE(parse_token(token));
}

TEST(CheckToken, TruncatedBase64) {
  const std::string token(kV1Token);
  for (std::size_t len = 0; len < token.size(); ++len) {
    auto r = check(token.substr(0, len), "new room", "new user id", TokenAction::Join, kIssuedAt);
    EXPECT_FALSE(r) << "length " << len;
  }
  // Truncated at a 4-character boundary: valid base64, missing bytes.
  expect_refused(check(token.substr(0, token.size() - 4), "new room", "new user id",
                       TokenAction::Join, kIssuedAt),
                 "token signature truncated");
  expect_refused(check(token.substr(0, token.size() - 2), "new room", "new user id",
                       TokenAction::Join, kIssuedAt),
                 "token content is not valid base64");
}

TEST(CheckToken, EveryChangedCharacterIsRefused) {
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ ~";
  for (auto base : {kV1Token, kV2Token}) {
    const std::string room = base == kV1Token ? "new room" : "room1";
    const std::string user = base == kV1Token ? "new user id" : "user1";
    ASSERT_TRUE(check(base, room, user, TokenAction::Join, kIssuedAt));
    for (std::size_t i = 0; i < base.size(); ++i) {
      std::string token(base);
      for (unsigned char flip : {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80}) {
        token[i] = static_cast<char>(base[i] ^ flip);
        EXPECT_FALSE(check(token, room, user, TokenAction::Join, kIssuedAt))
            << "position " << i << " xor " << int(flip);
      }
      for (char c : alphabet) {
        if (c == base[i]) continue;
        token[i] = c;
        EXPECT_FALSE(check(token, room, user, TokenAction::Join, kIssuedAt))
            << "position " << i << " char " << c;
      }
    }
  }
}

TEST(CheckToken, EveryFlippedContentBitIsRefused) {
  auto parsed = base64_decode(kV1Token.substr(27));
  ASSERT_TRUE(parsed);
  const auto content = *parsed;
  for (std::size_t i = 0; i < content.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto changed = content;
      changed[i] ^= static_cast<std::uint8_t>(1u << bit);
      EXPECT_FALSE(check(token_from_content(changed), "new room", "new user id", TokenAction::Join,
                         kIssuedAt))
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST(CheckToken, V2UsedToPublish) {
  expect_refused(check(kV2Token, "room1", "user1", TokenAction::Publish, kIssuedAt),
                 "token grants no publish privilege");
}

TEST(CheckToken, AnotherRoomOrUser) {
  expect_refused(check(kV1Token, "other room", "new user id", TokenAction::Join, kIssuedAt),
                 "token is for another room");
  expect_refused(check(kV1Token, "new room", "new user", TokenAction::Join, kIssuedAt),
                 "token is for another user");
  expect_refused(check(kV2Token, "Room1", "user1", TokenAction::Join, kIssuedAt),
                 "token is for another room");  // ids are case-sensitive
  expect_refused(check(kV2Token, "*", "user1", TokenAction::Join, kIssuedAt),
                 "token is for another room");  // "*" widens a token, never a join
}

TEST(CheckToken, UnknownAppId) {
  std::string token(kV1Token);
  token.replace(3, 24, "876543218765432187654321");
  expect_refused(check(token, "new room", "new user id", TokenAction::Join, kIssuedAt),
                 "token appId unknown");
  // A token of another app, correctly signed with that app's key, is still unknown here.
  auto t = v1();
  t.app_id = "876543218765432187654321";
  expect_refused(
      check(encode_token(t, kAppKey), "new room", "new user id", TokenAction::Join, kIssuedAt),
      "token appId unknown");
  std::string malformed(kV1Token);
  malformed[10] = '-';
  expect_refused(check(malformed, "new room", "new user id", TokenAction::Join, kIssuedAt),
                 "token appId malformed");
}

TEST(CheckToken, PrivilegeExpiredWhileTokenValid) {
  AccessToken t = v2();
  t.expire_at = 2000;
  t.add_privilege(Privilege::PublishStream, 1500);
  t.add_privilege(Privilege::SubscribeStream, 1800);
  const auto token = encode_token(t, kAppKey);
  ASSERT_TRUE(check(token, "room1", "user1", TokenAction::Publish, 1499));
  expect_refused(check(token, "room1", "user1", TokenAction::Publish, 1500),
                 "token publish privilege expired");
  ASSERT_TRUE(check(token, "room1", "user1", TokenAction::Subscribe, 1600));
  expect_refused(check(token, "room1", "user1", TokenAction::Subscribe, 1900),
                 "token subscribe privilege expired");
  // Joining needs a privilege present, not unexpired (spec rule 5); rule 6 stops the actions.
  ASSERT_TRUE(check(token, "room1", "user1", TokenAction::Join, 1900));
  expect_refused(check(token, "room1", "user1", TokenAction::Join, 2000), "token expired");
}

TEST(CheckToken, NoPrivilegeAtAll) {
  AccessToken t = v2();
  t.privileges.clear();
  t.privileges[1] = 0;  // audio-only publish: not a join privilege
  const auto token = encode_token(t, kAppKey);
  expect_refused(check(token, "room1", "user1", TokenAction::Join, kIssuedAt),
                 "token grants neither publish nor subscribe");
  expect_refused(check(token, "room1", "user1", TokenAction::Subscribe, kIssuedAt),
                 "token grants no subscribe privilege");
}

TEST(CheckToken, ChecksRunInSpecOrder) {
  // Expired and wrong room and wrong key: the signature (rule 2) is reported first.
  expect_refused(
      check_token(kV1Token, kAppId, "bad", "x", "y", TokenAction::Publish, kV1ExpireAt + 5),
      "token signature invalid");
  // Expired and wrong room: expiry (rule 3) before identity (rule 4).
  expect_refused(check(kV1Token, "x", "y", TokenAction::Publish, kV1ExpireAt + 5), "token expired");
  // Wrong user and no privilege: identity (rule 4) before privilege (rule 5).
  expect_refused(check(kV2Token, "room1", "y", TokenAction::Publish, kIssuedAt),
                 "token is for another user");
}

// ---- structure ----

TEST(ParseToken, SizeLimits) {
  EXPECT_EQ(parse_token(std::string(kMaxTokenLength + 1, 'A')).error().reason, "token too long");
  EXPECT_EQ(parse_token("").error().reason, "token too short");
  EXPECT_EQ(parse_token("001").error().reason, "token too short");
  EXPECT_EQ(parse_token(std::string("001").append(kAppId)).error().reason,
            "token content truncated");

  std::vector<std::pair<std::uint16_t, std::uint32_t>> many;
  for (std::uint16_t k = 0; k <= kMaxTokenPrivileges; ++k) many.emplace_back(k, 0);
  EXPECT_EQ(
      parse_token(token_from_content(signed_content(msg_with_privileges(many)))).error().reason,
      "token has too many privileges");
  many.pop_back();
  EXPECT_TRUE(parse_token(token_from_content(signed_content(msg_with_privileges(many)))));
}

TEST(ParseToken, PrivilegeKeysStrictlyAscending) {
  auto ok = token_from_content(signed_content(msg_with_privileges({{0, 1}, {4, 0}})));
  ASSERT_TRUE(check(ok, "r", "u", TokenAction::Join, kIssuedAt));
  for (auto list : {std::vector<std::pair<std::uint16_t, std::uint32_t>>{{4, 0}, {0, 1}},
                    std::vector<std::pair<std::uint16_t, std::uint32_t>>{{4, 0}, {4, 1}}}) {
    auto token = token_from_content(signed_content(msg_with_privileges(list)));
    expect_refused(check(token, "r", "u", TokenAction::Join, kIssuedAt),
                   "token privileges not in ascending order");
  }
}

TEST(ParseToken, UnknownPrivilegesAreKept) {
  auto token = token_from_content(signed_content(msg_with_privileges({{4, 0}, {9, 77}})));
  auto parsed = parse_token(token);
  ASSERT_TRUE(parsed) << parsed.error().reason;
  EXPECT_EQ(parsed->privileges.at(9), 77u);
}

TEST(ParseToken, ExactLengths) {
  const auto msg = msg_with_privileges({{4, 0}});
  // trailing byte inside msg (signed, so only structure can catch it)
  auto longer = msg;
  longer.push_back(0);
  EXPECT_EQ(parse_token(token_from_content(signed_content(longer))).error().reason,
            "token message has trailing bytes");
  // missing byte inside msg
  auto shorter = msg;
  shorter.pop_back();
  EXPECT_EQ(parse_token(token_from_content(signed_content(shorter))).error().reason,
            "token message truncated in privileges");
  // trailing byte after the signature
  auto content = signed_content(msg);
  content.push_back(0);
  EXPECT_EQ(parse_token(token_from_content(content)).error().reason, "token has trailing bytes");
  // signature of the wrong length
  for (std::size_t n : {0u, 31u, 33u, 64u}) {
    std::vector<std::uint8_t> c;
    ByteWriter w(c);
    w.u16le(static_cast<std::uint16_t>(msg.size()));
    w.bytes(msg);
    w.u16le(static_cast<std::uint16_t>(n));
    for (std::size_t i = 0; i < n; ++i) w.u8(0);
    EXPECT_EQ(parse_token(token_from_content(c)).error().reason,
              "token signature length is not 32");
  }
  // a msg length pointing past the end
  std::vector<std::uint8_t> c;
  ByteWriter w(c);
  w.u16le(0xFFFF);
  w.bytes(msg);
  EXPECT_EQ(parse_token(token_from_content(c)).error().reason, "token message truncated");
  // signature missing entirely
  std::vector<std::uint8_t> only_msg;
  ByteWriter w2(only_msg);
  w2.u16le(static_cast<std::uint16_t>(msg.size()));
  w2.bytes(msg);
  EXPECT_EQ(parse_token(token_from_content(only_msg)).error().reason, "token signature missing");
}

TEST(ParseToken, StringLengthPastEnd) {
  std::vector<std::uint8_t> msg;
  ByteWriter w(msg);
  w.u32le(1);
  w.u32le(2);
  w.u32le(3);
  w.u16le(500);  // room length beyond the message
  w.string("r");
  EXPECT_EQ(parse_token(token_from_content(signed_content(msg))).error().reason,
            "token message truncated in roomId");
  std::vector<std::uint8_t> times_only = {1, 2, 3};
  EXPECT_EQ(parse_token(token_from_content(signed_content(times_only))).error().reason,
            "token message truncated in times");
}

}  // namespace
}  // namespace minirtc::auth
