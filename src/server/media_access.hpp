#pragma once
// Who may publish or play: signs media URLs with the app's key, checks them on every publish and
// play, and revokes them at run time (closing the connections that used them).
//
// A revocation is remembered only while the URL could still be presented: until `keep_until_s`,
// the latest expiry the URL can have (for URLs the signalling hands out, the revocation time plus
// `media.url_ttl_s`); prune() on the tick forgets the ones past it. Without that, every leave,
// unpublish and unsubscribe left a nonce behind for the life of the process (the 1-hour soak:
// +3.7 MB of RSS that stayed after the last user left). A revocation whose URL's expiry is
// unknown (the admin API's, which takes a nonce only) is kept for the life of the process.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/url_signer.hpp"
#include "core/ids.hpp"
#include "server/app_registry.hpp"
#include "util/result.hpp"

namespace minirtc::server {

/// A connection that a revocation can close.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void close(std::string_view reason) = 0;
  /// Closed because its URL was revoked (MediaAccess::revoke): for good. A push another node
  /// forwards here tells that node so (server/push_forward.hpp). Default: close().
  virtual void close_revoked(std::string_view reason) { close(reason); }
};

class MediaAccess {
 public:
  explicit MediaAccess(const AppRegistry& apps) : apps_(apps) {}

  void set_public_urls(std::string http_base, std::string rtmp_base);
  const std::string& http_base() const noexcept { return http_base_; }
  const std::string& rtmp_base() const noexcept { return rtmp_base_; }

  /// Signed URLs (docs/protocol.md §2).
  std::string publish_url(const StreamId& id, std::uint32_t expire_at,
                          const std::string& nonce) const;
  /// Where a URL points when not at this node (an edge's public bases); empty: this node's.
  struct Bases {
    std::string http_base, rtmp_base;
  };
  std::string play_url(const StreamId& id, std::string_view viewer, bool flv,
                       std::uint32_t expire_at, const std::string& nonce,
                       const Bases& at = {}) const;

  /// The key of relay and forward URLs ([cluster] secret); empty: those URLs are refused.
  void set_cluster_secret(std::string secret) { cluster_secret_ = std::move(secret); }
  /// The signed query of a relay pull or a forward push (auth/url_signer.hpp, by the grant's
  /// action): "a=relay&e=..&n=..&s=.." / "a=fwd&e=..&n=..&s=..".
  std::string relay_query(const auth::UrlGrant& grant) const;

  /// The error of check() for a URL that verifies but was revoked.
  static constexpr std::string_view kRevokedReason = "URL revoked";
  /// Checks a URL (stream key + query) for an action: signature, expiry, revocation. Relay and
  /// forward URLs are checked against the cluster secret, the others against the app's key.
  Result<auth::UrlGrant> check(std::string_view stream_key, std::string_view query,
                               auth::UrlAction action, std::uint32_t now_s) const;

  /// Remembers which connection uses which URL, so that a revocation can close it.
  void track(const std::string& nonce, std::weak_ptr<Closable> connection);
  void untrack(const std::string& nonce, const Closable* connection);
  static constexpr std::uint32_t kKeepForever = UINT32_MAX;
  /// Refuses the URL from now on (until `keep_until_s`, unix seconds: no URL with this nonce is
  /// valid after it) and closes the connections that use it.
  void revoke(const std::string& nonce, std::string_view reason,
              std::uint32_t keep_until_s = kKeepForever);
  /// Forgets revocations whose URLs have expired by `now_s`. Returns how many.
  std::size_t prune(std::uint32_t now_s);
  std::size_t revoked_count() const noexcept { return revoked_.size(); }

 private:
  const AppRegistry& apps_;
  std::string http_base_, rtmp_base_;
  std::string cluster_secret_;
  std::unordered_map<std::string, std::uint32_t> revoked_;  // nonce → keep until (unix s)
  std::unordered_map<std::string, std::vector<std::weak_ptr<Closable>>> users_;
};

}  // namespace minirtc::server
