#include "server/media_access.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace minirtc::server {

void MediaAccess::set_public_urls(std::string http_base, std::string rtmp_base) {
  while (!http_base.empty() && http_base.back() == '/') http_base.pop_back();
  while (!rtmp_base.empty() && rtmp_base.back() == '/') rtmp_base.pop_back();
  http_base_ = std::move(http_base);
  rtmp_base_ = std::move(rtmp_base);
}

std::string MediaAccess::publish_url(const StreamId& id, std::uint32_t expire_at,
                                     const std::string& nonce) const {
  auth::UrlGrant g{auth::UrlAction::Publish, id, "", expire_at, nonce};
  return fmt::format("{}/live/{}?{}", rtmp_base_, stream_key(id),
                     auth::sign_url_query(g, apps_.key_of(id.app_id).value_or("")));
}

std::string MediaAccess::play_url(const StreamId& id, std::string_view viewer, bool flv,
                                  std::uint32_t expire_at, const std::string& nonce,
                                  const Bases& at) const {
  auth::UrlGrant g{auth::UrlAction::Play, id, std::string(viewer), expire_at, nonce};
  auto query = auth::sign_url_query(g, apps_.key_of(id.app_id).value_or(""));
  if (flv)
    return fmt::format("{}/live/{}.flv?{}", at.http_base.empty() ? http_base_ : at.http_base,
                       stream_key(id), query);
  return fmt::format("{}/live/{}?{}", at.rtmp_base.empty() ? rtmp_base_ : at.rtmp_base,
                     stream_key(id), query);
}

std::string MediaAccess::relay_query(const auth::UrlGrant& grant) const {
  return auth::sign_url_query(grant, cluster_secret_);
}

Result<auth::UrlGrant> MediaAccess::check(std::string_view stream_key, std::string_view query,
                                          auth::UrlAction action, std::uint32_t now_s) const {
  const bool relay = action == auth::UrlAction::Relay || action == auth::UrlAction::Forward;
  if (relay && cluster_secret_.empty())
    return make_error(std::string(auth::to_string(action)) +
                      " URL refused: this node has no cluster secret");
  auto grant = auth::verify_url(
      stream_key, query, action,
      [this, relay](std::string_view app_id) -> std::optional<std::string> {
        auto key = apps_.key_of(app_id);
        if (relay && key) return cluster_secret_;
        return key;
      },
      now_s);
  if (!grant) return grant;
  if (revoked_.count(grant->nonce)) return make_error(std::string(kRevokedReason));
  return grant;
}

void MediaAccess::track(const std::string& nonce, std::weak_ptr<Closable> connection) {
  users_[nonce].push_back(std::move(connection));
}

void MediaAccess::untrack(const std::string& nonce, const Closable* connection) {
  auto it = users_.find(nonce);
  if (it == users_.end()) return;
  auto& v = it->second;
  std::erase_if(v, [&](auto& w) {
    auto p = w.lock();
    return !p || p.get() == connection;
  });
  if (v.empty()) users_.erase(it);
}

void MediaAccess::revoke(const std::string& nonce, std::string_view reason,
                         std::uint32_t keep_until_s) {
  if (nonce.empty()) return;
  auto& until = revoked_[nonce];
  until = std::max(until, keep_until_s);
  auto it = users_.find(nonce);
  if (it == users_.end()) return;
  auto connections = std::move(it->second);
  users_.erase(it);
  for (auto& w : connections)
    if (auto c = w.lock()) c->close_revoked(reason);
}

std::size_t MediaAccess::prune(std::uint32_t now_s) {
  return std::erase_if(revoked_, [now_s](const auto& entry) { return entry.second < now_s; });
}

}  // namespace minirtc::server
