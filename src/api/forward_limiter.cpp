#include "api/forward_limiter.hpp"

#include <algorithm>
#include <cstdint>

namespace minirtc::api {

std::uint64_t TokenBucket::refill(std::uint64_t now_ms) {
  if (now_ms > at_ms_) {
    const std::uint64_t elapsed = now_ms - at_ms_;
    // Compared before multiplying: elapsed × rate cannot overflow.
    const std::uint64_t room = cap_ - std::min(cap_, milli_);
    if (rate_ > 0) milli_ = elapsed > room / rate_ ? cap_ : milli_ + elapsed * rate_;
    at_ms_ = now_ms;
  }
  return milli_;
}

std::uint64_t TokenBucket::wait_ms(std::uint64_t now_ms) {
  const std::uint64_t have = refill(now_ms);
  if (have >= 1000) return 0;
  if (rate_ == 0) return UINT64_MAX;
  return (1000 - have + rate_ - 1) / rate_;
}

ForwardLimiter::ForwardLimiter(ForwardLimits limits)
    : limits_(limits), node_(limits.node_rate_per_s, std::max(1u, limits.node_burst), 0) {}

ForwardLimiter::Decision ForwardLimiter::admit(std::string_view client, std::uint64_t now_ms) {
  TokenBucket* mine = nullptr;
  if (limits_.client_rate_per_s > 0) {
    auto it = clients_.find(std::string(client));
    if (it == clients_.end()) {
      if (clients_.size() >= limits_.max_clients) sweep(now_ms);
      if (clients_.size() < limits_.max_clients)
        it = clients_
                 .emplace(std::string(client),
                          TokenBucket(limits_.client_rate_per_s, std::max(1u, limits_.client_burst),
                                      now_ms))
                 .first;
    }
    if (it != clients_.end()) {
      mine = &it->second;
      if (!mine->has_token(now_ms)) return {Verdict::ClientOver, mine->wait_ms(now_ms)};
    }
  }
  if (limits_.node_rate_per_s > 0) {
    if (!node_.has_token(now_ms)) return {Verdict::NodeOver, node_.wait_ms(now_ms)};
    node_.take();
  }
  if (mine) mine->take();
  return {};
}

void ForwardLimiter::sweep(std::uint64_t now_ms) {
  if (swept_ && now_ms < last_sweep_ms_ + 1000) return;  // a full table of active clients
  swept_ = true;
  last_sweep_ms_ = now_ms;
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (it->second.full(now_ms))
      it = clients_.erase(it);
    else
      ++it;
  }
}

}  // namespace minirtc::api
