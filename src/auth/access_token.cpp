#include "auth/access_token.hpp"

#include <algorithm>
#include <span>

#include "auth/base64.hpp"
#include "auth/hmac.hpp"
#include "core/ids.hpp"
#include "util/byte_reader.hpp"
#include "util/byte_writer.hpp"

namespace minirtc::auth {

namespace {

constexpr std::size_t kSignatureLength = 32;

void write_string(ByteWriter& w, std::string_view s) {
  w.u16le(static_cast<std::uint16_t>(s.size()));
  w.string(s);
}

std::optional<std::string_view> read_string(ByteReader& r) {
  auto len = r.u16le();
  if (!len) return std::nullopt;
  return r.string(*len);
}

Result<AccessToken> parse_msg(std::span<const std::uint8_t> msg) {
  ByteReader r(msg);
  AccessToken t;
  auto nonce = r.u32le();
  auto issued_at = r.u32le();
  auto expire_at = r.u32le();
  if (!nonce || !issued_at || !expire_at) return make_error("token message truncated in times");
  t.nonce = *nonce;
  t.issued_at = *issued_at;
  t.expire_at = *expire_at;
  auto room = read_string(r);
  if (!room) return make_error("token message truncated in roomId");
  auto user = read_string(r);
  if (!user) return make_error("token message truncated in userId");
  t.room_id = std::string(*room);
  t.user_id = std::string(*user);
  auto count = r.u16le();
  if (!count) return make_error("token message truncated in privilege count");
  if (*count > kMaxTokenPrivileges) return make_error("token has too many privileges");
  std::optional<std::uint16_t> previous;
  for (std::uint16_t i = 0; i < *count; ++i) {
    auto key = r.u16le();
    auto expiry = r.u32le();
    if (!key || !expiry) return make_error("token message truncated in privileges");
    // Every generator writes a sorted map; anything else is not a token we made or accept.
    if (previous && *key <= *previous) return make_error("token privileges not in ascending order");
    previous = key;
    t.privileges.emplace(*key, *expiry);
  }
  if (!r.empty()) return make_error("token message has trailing bytes");
  return t;
}

}  // namespace

void AccessToken::add_privilege(Privilege p, std::uint32_t expiry) {
  privileges[static_cast<std::uint16_t>(p)] = expiry;
  if (p == Privilege::PublishStream) {
    for (auto implied : {Privilege::PublishAudioStream, Privilege::PublishVideoStream,
                         Privilege::PublishDataStream})
      privileges[static_cast<std::uint16_t>(implied)] = expiry;
  }
}

std::vector<std::uint8_t> encode_token_msg(const AccessToken& token) {
  std::vector<std::uint8_t> msg;
  ByteWriter w(msg);
  w.u32le(token.nonce);
  w.u32le(token.issued_at);
  w.u32le(token.expire_at);
  write_string(w, token.room_id);
  write_string(w, token.user_id);
  w.u16le(static_cast<std::uint16_t>(token.privileges.size()));
  for (const auto& [key, expiry] : token.privileges) {  // std::map: ascending keys
    w.u16le(key);
    w.u32le(expiry);
  }
  return msg;
}

std::string encode_token(const AccessToken& token, std::string_view app_key) {
  const auto msg = encode_token_msg(token);
  const auto signature = hmac_sha256(app_key, msg);
  std::vector<std::uint8_t> content;
  ByteWriter w(content);
  w.u16le(static_cast<std::uint16_t>(msg.size()));
  w.bytes(msg);
  w.u16le(static_cast<std::uint16_t>(signature.size()));
  w.bytes(signature);
  std::string out(kTokenVersion);
  out.append(token.app_id);
  out.append(base64_encode(content));
  return out;
}

Result<ParsedToken> parse_signed_token(std::string_view token) {
  if (token.size() > kMaxTokenLength) return make_error("token too long");
  if (token.size() < kTokenVersion.size() + kTokenAppIdLength) return make_error("token too short");
  if (token.substr(0, kTokenVersion.size()) != kTokenVersion)
    return make_error("token version is not 001");
  const auto app_id = token.substr(kTokenVersion.size(), kTokenAppIdLength);
  if (!is_valid_app_id(app_id)) return make_error("token appId malformed");
  auto content = base64_decode(token.substr(kTokenVersion.size() + kTokenAppIdLength));
  if (!content) return make_error("token content is not valid base64");

  ByteReader r(*content);
  auto msg_len = r.u16le();
  if (!msg_len) return make_error("token content truncated");
  auto msg = r.bytes(*msg_len);
  if (!msg) return make_error("token message truncated");
  auto sig_len = r.u16le();
  if (!sig_len) return make_error("token signature missing");
  if (*sig_len != kSignatureLength) return make_error("token signature length is not 32");
  auto sig = r.bytes(*sig_len);
  if (!sig) return make_error("token signature truncated");
  if (!r.empty()) return make_error("token has trailing bytes");

  auto fields = parse_msg(*msg);
  if (!fields) return fields.error();
  ParsedToken parsed;
  parsed.token = std::move(fields).value();
  parsed.token.app_id = std::string(app_id);
  parsed.msg.assign(msg->begin(), msg->end());
  std::copy(sig->begin(), sig->end(), parsed.signature.begin());
  return parsed;
}

Result<AccessToken> parse_token(std::string_view token) {
  auto parsed = parse_signed_token(token);
  if (!parsed) return parsed.error();
  return std::move(parsed->token);
}

Status verify_signature(const ParsedToken& parsed, std::string_view app_key) {
  const auto expected = hmac_sha256(app_key, parsed.msg);
  if (!constant_time_equal(expected, parsed.signature))
    return make_error("token signature invalid");
  return {};
}

std::optional<std::uint32_t> privilege_expiry(const AccessToken& token, TokenAction action) {
  auto find = [&](Privilege p) -> std::optional<std::uint32_t> {
    auto it = token.privileges.find(static_cast<std::uint16_t>(p));
    if (it == token.privileges.end()) return std::nullopt;
    return it->second;
  };
  switch (action) {
    case TokenAction::Publish:
      return find(Privilege::PublishStream);
    case TokenAction::Subscribe:
      return find(Privilege::SubscribeStream);
    case TokenAction::Join: {
      auto publish = find(Privilege::PublishStream);
      auto subscribe = find(Privilege::SubscribeStream);
      if (!publish) return subscribe;
      if (!subscribe) return publish;
      if (*publish == 0 || *subscribe == 0) return 0u;  // 0 = never: outlives any time
      return std::max(*publish, *subscribe);
    }
  }
  return std::nullopt;
}

Result<AccessToken> check_token(std::string_view token, const AppKeyLookup& app_key_of,
                                std::string_view expected_app_id, std::string_view room_id,
                                std::string_view user_id, TokenAction action, std::uint32_t now) {
  // 1. structure, known appId
  auto parsed = parse_signed_token(token);
  if (!parsed) return parsed.error();
  AccessToken& t = parsed->token;
  const auto app_key = app_key_of ? app_key_of(t.app_id) : std::nullopt;
  if (!app_key) return make_error("token appId unknown");
  // 2. signature
  if (auto st = verify_signature(*parsed, *app_key); !st) return st.error();
  // 3. token expiry
  if (is_expired(t.expire_at, now)) return make_error("token expired");
  // 4. the token names this app, room and user
  if (t.app_id != expected_app_id) return make_error("token is for another appId");
  if (t.room_id != kAnyRoom && t.room_id != room_id) return make_error("token is for another room");
  if (t.user_id != user_id) return make_error("token is for another user");
  // 5. privilege for the action
  switch (action) {
    case TokenAction::Join:
      // The spec asks only that a privilege be present: a user whose publish right lapsed may
      // still join; rule 6 then stops what is no longer allowed.
      if (!privilege_expiry(t, TokenAction::Join))
        return make_error("token grants neither publish nor subscribe");
      break;
    case TokenAction::Publish: {
      auto expiry = privilege_expiry(t, TokenAction::Publish);
      if (!expiry) return make_error("token grants no publish privilege");
      if (is_expired(*expiry, now)) return make_error("token publish privilege expired");
      break;
    }
    case TokenAction::Subscribe: {
      auto expiry = privilege_expiry(t, TokenAction::Subscribe);
      if (!expiry) return make_error("token grants no subscribe privilege");
      if (is_expired(*expiry, now)) return make_error("token subscribe privilege expired");
      break;
    }
  }
  return std::move(t);
}

Result<AccessToken> check_token(std::string_view token, std::string_view expected_app_id,
                                std::string_view app_key, std::string_view room_id,
                                std::string_view user_id, TokenAction action, std::uint32_t now) {
  const AppKeyLookup one_app = [&](std::string_view app_id) -> std::optional<std::string> {
    if (app_id != expected_app_id) return std::nullopt;
    return std::string(app_key);
  };
  return check_token(token, one_app, expected_app_id, room_id, user_id, action, now);
}

}  // namespace minirtc::auth
