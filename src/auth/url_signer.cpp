#include "auth/url_signer.hpp"

#include <algorithm>
#include <array>

#include "auth/hmac.hpp"
#include "util/hex.hpp"

namespace minirtc::auth {

namespace {

constexpr std::string_view kSigningDomain = "minirtc-url-v1\n";
constexpr std::size_t kSignatureBytes = 16;
/// Longest stream key: 24 + 128 + 128 + "screen" + 3 separators.
constexpr std::size_t kMaxStreamKeyLength = 24 + 128 + 128 + 6 + 3;

bool is_lower_hex(std::string_view s) noexcept {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// RFC 3986 percent-decoding; '+' stays '+' (no valid field value contains a space).
std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;  // '%' needs two hex digits after it
    const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
    i += 2;
  }
  return out;
}

/// The fields of the query that §2.2 defines (and §2.7's m); unknown fields are dropped.
struct QueryFields {
  std::optional<std::string> a, v, e, n, s, m;
  bool m_repeated = false;  // only a forward's concern: m is unknown to the other actions
};

Result<QueryFields> parse_query(std::string_view query) {
  if (query.size() > kMaxUrlQueryLength) return make_error("URL query too long");
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  QueryFields f;
  std::size_t count = 0;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    if (++count > kMaxUrlQueryFields) return make_error("URL query has too many fields");
    const auto eq = part.find('=');
    auto name = percent_decode(part.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!name || !value) return make_error("URL query badly percent-encoded");
    std::optional<std::string>* slot = nullptr;
    if (*name == "a")
      slot = &f.a;
    else if (*name == "v")
      slot = &f.v;
    else if (*name == "e")
      slot = &f.e;
    else if (*name == "n")
      slot = &f.n;
    else if (*name == "s")
      slot = &f.s;
    else if (*name == "m") {
      f.m_repeated = f.m_repeated || f.m.has_value();
      f.m = std::move(*value);
      continue;
    }
    if (slot == nullptr) continue;  // unknown fields are ignored (§2.2)
    // Two values for one signed field would let the checker and the signer disagree.
    if (slot->has_value()) return make_error("URL query repeats field " + *name);
    *slot = std::move(*value);
  }
  return f;
}

}  // namespace

namespace {
struct ActionName {
  UrlAction action;
  std::string_view name;  // the query's field a
  std::string_view noun;  // in refusals: "URL is for playing, not publishing"
};
constexpr std::array<ActionName, 4> kActions{{{UrlAction::Publish, "pub", "publishing"},
                                              {UrlAction::Play, "play", "playing"},
                                              {UrlAction::Relay, "relay", "relaying"},
                                              {UrlAction::Forward, "fwd", "forwarding"}}};

const ActionName& action_name(UrlAction action) noexcept {
  for (const auto& a : kActions)
    if (a.action == action) return a;
  return kActions[1];
}

std::optional<UrlAction> parse_action(std::string_view a) {
  for (const auto& n : kActions)
    if (a == n.name) return n.action;
  return std::nullopt;
}

std::string_view action_noun(UrlAction action) {
  return action_name(action).noun;
}
}  // namespace

std::string_view to_string(UrlAction action) noexcept {
  return action_name(action).name;
}

std::optional<UrlAction> url_query_action(std::string_view query) {
  auto fields = parse_query(query);
  if (!fields || !fields->a) return std::nullopt;
  return parse_action(*fields->a);
}

std::string new_nonce() {
  return random_hex(kUrlNonceLength / 2);
}

bool is_url_nonce(std::string_view s) noexcept {
  return s.size() == kUrlNonceLength && is_lower_hex(s);
}

std::string url_signing_input(const UrlGrant& grant) {
  std::string in(kSigningDomain);
  const std::string_view viewer =
      grant.action == UrlAction::Play ? std::string_view{grant.viewer} : std::string_view{};
  for (std::string_view part :
       {to_string(grant.action), std::string_view{grant.stream.app_id},
        std::string_view{grant.stream.room_id}, std::string_view{grant.stream.user_id},
        to_string(grant.stream.kind), viewer}) {
    in.append(part).push_back('\n');
  }
  in.append(std::to_string(grant.expire_at)).push_back('\n');
  in.append(grant.nonce);
  if (grant.action == UrlAction::Forward && grant.moved) in.append("\nmoved");
  return in;
}

std::string url_signature(const UrlGrant& grant, std::string_view app_key) {
  const auto mac = hmac_sha256(app_key, url_signing_input(grant));
  return to_hex(std::span(mac).first(kSignatureBytes));
}

std::string sign_url_query(const UrlGrant& grant, std::string_view app_key) {
  std::string q = "a=";
  q.append(to_string(grant.action));
  if (grant.action == UrlAction::Play) q.append("&v=").append(grant.viewer);
  if (grant.action == UrlAction::Forward && grant.moved) q.append("&m=1");
  q.append("&e=").append(std::to_string(grant.expire_at));
  q.append("&n=").append(grant.nonce);
  q.append("&s=").append(url_signature(grant, app_key));
  return q;
}

std::pair<std::string_view, std::string_view> split_name_query(std::string_view name) noexcept {
  const auto q = name.find('?');
  if (q == std::string_view::npos) return {name, {}};
  return {name.substr(0, q), name.substr(q + 1)};
}

Result<UrlGrant> verify_url(std::string_view stream_key, std::string_view query, UrlAction expected,
                            const UrlAppKeyLookup& app_key_of, std::uint32_t now) {
  if (stream_key.size() > kMaxStreamKeyLength) return make_error("stream key too long");
  auto stream = parse_stream_key(stream_key);
  if (!stream) return make_error("stream key malformed");
  const auto app_key = app_key_of ? app_key_of(stream->app_id) : std::nullopt;
  if (!app_key) return make_error("unknown appId");

  auto fields = parse_query(query);
  if (!fields) return fields.error();
  if (!fields->a) return make_error("URL not signed: field a missing");
  if (!fields->e) return make_error("URL not signed: field e missing");
  if (!fields->n) return make_error("URL not signed: field n missing");
  if (!fields->s) return make_error("URL not signed: field s missing");

  UrlGrant grant;
  grant.stream = std::move(*stream);
  auto action = parse_action(*fields->a);
  if (!action) return make_error("URL field a is not pub, play, relay or fwd");
  grant.action = *action;
  auto expiry = parse_unix_seconds(*fields->e);
  if (!expiry) return make_error("URL field e is not unix seconds");
  grant.expire_at = *expiry;
  if (!is_url_nonce(*fields->n))
    return make_error("URL field n is not 16 lower-case hex characters");
  grant.nonce = std::move(*fields->n);
  std::array<std::uint8_t, kSignatureBytes> sig{};
  {
    auto bytes = fields->s->size() == 2 * kSignatureBytes ? from_hex(*fields->s) : std::nullopt;
    if (!bytes) return make_error("URL field s is not 32 hex characters");
    std::copy(bytes->begin(), bytes->end(), sig.begin());
  }

  if (grant.action != expected)
    return make_error("URL is for " + std::string(action_noun(grant.action)) + ", not " +
                      std::string(action_noun(expected)));
  if (grant.action == UrlAction::Play) {
    if (!fields->v || fields->v->empty()) return make_error("play URL has no viewer (field v)");
    if (!is_valid_id(*fields->v)) return make_error("play URL viewer (field v) is not a valid id");
    grant.viewer = std::move(*fields->v);
  } else if (fields->v && !fields->v->empty()) {
    return make_error(std::string(grant.action == UrlAction::Publish ? "publish"
                                  : grant.action == UrlAction::Relay ? "relay"
                                                                     : "forward") +
                      " URL must not name a viewer (field v)");
  }
  if (grant.action == UrlAction::Forward && fields->m) {
    if (fields->m_repeated) return make_error("URL query repeats field m");
    if (*fields->m != "1") return make_error("forward URL field m is not 1");
    grant.moved = true;
  }
  if (now > grant.expire_at) return make_error("URL expired");

  const auto mac = hmac_sha256(*app_key, url_signing_input(grant));
  if (!constant_time_equal(std::span(mac).first(kSignatureBytes), sig))
    return make_error("URL signature invalid");
  return grant;
}

std::optional<std::uint32_t> parse_unix_seconds(std::string_view s) noexcept {
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  if (v > 0xFFFFFFFFu) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

}  // namespace minirtc::auth
