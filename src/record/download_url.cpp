#include "record/download_url.hpp"

#include <optional>

#include "auth/hmac.hpp"
#include "auth/url_signer.hpp"
#include "record/recording.hpp"
#include "util/hex.hpp"

namespace minirtc::record {

namespace {
constexpr std::string_view kDomain = "minirtc-recording-v1\n";
constexpr std::string_view kPrefix = "/v1/recordings/";
constexpr std::string_view kSuffix = ".mp4";
constexpr std::size_t kSignatureBytes = 16;
constexpr std::size_t kMaxQuery = 256;

std::string signature(std::string_view id, std::uint32_t expire_at, std::string_view key) {
  const auto mac = auth::hmac_sha256(key, download_signing_input(id, expire_at));
  return to_hex(std::span(mac).first(kSignatureBytes));
}

}  // namespace

std::string download_signing_input(std::string_view id, std::uint32_t expire_at) {
  std::string in(kDomain);
  in.append(id).push_back('\n');
  in.append(std::to_string(expire_at));
  return in;
}

std::string download_target(std::string_view id, std::uint32_t expire_at, std::string_view key) {
  std::string t(kPrefix);
  t.append(id).append(kSuffix);
  t.append("?e=").append(std::to_string(expire_at));
  t.append("&s=").append(signature(id, expire_at, key));
  return t;
}

Status verify_download(std::string_view id, std::string_view query, std::string_view key,
                       std::uint32_t now) {
  if (query.size() > kMaxQuery) return make_error("download query too long");
  std::optional<std::string_view> e, s;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = part.find('=');
    const auto name = part.substr(0, eq);
    const auto value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    auto* slot = name == "e" ? &e : name == "s" ? &s : nullptr;
    if (!slot) continue;
    if (slot->has_value()) return make_error("download query repeats field " + std::string(name));
    *slot = value;
  }
  if (!e || !s) return make_error("download URL not signed: e and s are required");
  const auto expiry = auth::parse_unix_seconds(*e);
  if (!expiry) return make_error("download field e is not unix seconds");
  const auto sig = s->size() == 2 * kSignatureBytes ? from_hex(*s) : std::nullopt;
  if (!sig) return make_error("download field s is not 32 hex characters");
  if (now > *expiry) return make_error("download URL expired");
  const auto mac = auth::hmac_sha256(key, download_signing_input(id, *expiry));
  if (!auth::constant_time_equal(std::span(mac).first(kSignatureBytes), *sig))
    return make_error("download URL signature invalid");
  return {};
}

}  // namespace minirtc::record
