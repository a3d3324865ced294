#include "cluster/signing.hpp"

#include <algorithm>
#include <charconv>

#include "auth/hmac.hpp"
#include "cluster/node_record.hpp"
#include "util/hex.hpp"

namespace minirtc::cluster {

namespace {
constexpr std::string_view kDomain = "minirtc-node-v1\n";

auth::Sha256Digest mac(std::string_view secret, std::string_view from, std::uint64_t sent_ms,
                       std::string_view body) {
  std::string in(kDomain);
  in.append(from).push_back('\n');
  in.append(std::to_string(sent_ms)).push_back('\n');
  in.append(body);
  return auth::hmac_sha256(secret, in);
}

/// The next '.'-terminated field of `rest`.
std::optional<std::string_view> field(std::string_view& rest) {
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto f = rest.substr(0, dot);
  rest.remove_prefix(dot + 1);
  return f;
}
}  // namespace

std::string sign_node_message(std::string_view secret, std::string_view from, std::uint64_t sent_ms,
                              std::string_view body) {
  std::string out = "v1.";
  out.append(from).push_back('.');
  out.append(std::to_string(sent_ms)).push_back('.');
  out.append(to_hex(mac(secret, from, sent_ms, body))).push_back('.');
  out.append(body);
  return out;
}

Result<NodeMessage> verify_node_message(std::string_view secret, std::string_view text,
                                        std::uint64_t now_ms, std::uint64_t max_age_ms,
                                        std::size_t max_bytes) {
  if (text.size() > max_bytes) return make_error("node message too long");
  std::string_view rest = text;
  auto version = field(rest);
  auto from = field(rest);
  auto sent = field(rest);
  auto sig = field(rest);
  if (!version || *version != "v1" || !from || !sent || !sig)
    return make_error("node message: not v1.FROM.SENT.SIG.BODY");
  if (!is_valid_node_id(*from)) return make_error("node message: sender is not a node id");
  NodeMessage m;
  auto [p, ec] = std::from_chars(sent->data(), sent->data() + sent->size(), m.sent_ms);
  if (sent->empty() || ec != std::errc() || p != sent->data() + sent->size())
    return make_error("node message: SENT is not unix milliseconds");
  auto given = sig->size() == 64 ? from_hex(*sig) : std::nullopt;
  if (!given) return make_error("node message: SIG is not 64 hex characters");
  const auto expected = mac(secret, *from, m.sent_ms, rest);
  if (!auth::constant_time_equal(expected, *given))
    return make_error("node message: signature invalid (another cluster secret?)");
  const auto age = now_ms > m.sent_ms ? now_ms - m.sent_ms : m.sent_ms - now_ms;
  if (age > max_age_ms) return make_error("node message: too old or from the future");
  m.from = std::string(*from);
  m.body = std::string(rest);
  return m;
}

std::string app_fingerprint(std::string_view secret,
                            std::vector<std::pair<std::string, std::string>> apps) {
  std::sort(apps.begin(), apps.end());
  std::string in = "minirtc-apps-v1\n";
  for (const auto& [id, key] : apps) in.append(id).append(":").append(key).append("\n");
  return to_hex(auth::hmac_sha256(secret, in));
}

}  // namespace minirtc::cluster
