#include "server/relay_policy.hpp"

#include <algorithm>
#include "util/backoff.hpp"

namespace minirtc::server {

RelayAction relay_decide(RelayState& s, const RelayDemand& d, std::uint64_t now,
                         const RelayTiming& t) {
  if (d.published_here || !d.origin_known) {
    if (!s.upstream) return RelayAction::Forget;
    s.upstream = false;
    return RelayAction::Close;
  }
  if (d.viewers > 0) {
    s.idle_since_ms = 0;
    if (!s.upstream && s.failures > 0 && d.origin != s.origin) {
      s.failures = 0;  // another origin: what failed was the old one
      s.retry_at_ms = 0;
    }
    if (s.upstream || now < s.retry_at_ms) return RelayAction::Keep;
    s.upstream = true;
    s.origin = std::string(d.origin);
    return RelayAction::Open;
  }
  if (!s.upstream) return RelayAction::Forget;
  if (s.idle_since_ms == 0) s.idle_since_ms = now;
  if (now - s.idle_since_ms < t.idle_grace_ms) return RelayAction::Keep;
  s.upstream = false;
  return RelayAction::Close;
}

std::uint32_t relay_backoff_ms(std::uint32_t failures, const RelayTiming& t) {
  return util::doubling_backoff_ms(failures, t.retry_initial_ms, t.retry_max_ms);
}

void relay_upstream_ended(RelayState& s, bool delivered_media, std::uint64_t now,
                          const RelayTiming& t) {
  s.upstream = false;
  s.failures = delivered_media ? 1 : s.failures + 1;
  s.retry_at_ms = now + relay_backoff_ms(s.failures, t);
}

}  // namespace minirtc::server
