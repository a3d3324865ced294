#include "server/log_limiter.hpp"

#include <chrono>

namespace minirtc::server {

LogLimiter::Decision LogLimiter::on_line(std::string_view key, std::uint64_t now_ms) {
  auto it = windows_.find(key);
  if (it == windows_.end()) it = windows_.emplace(std::string(key), Window{now_ms, 0, 0}).first;
  auto& w = it->second;
  Decision d;
  if (now_ms - w.start_ms >= rule_.interval_ms) {
    d.suppressed = w.suppressed;
    w = Window{now_ms, 0, 0};
  }
  if (w.written < rule_.lines) {
    ++w.written;
  } else {
    ++w.suppressed;
    d.emit = false;
  }
  return d;
}

std::vector<std::pair<std::string, std::uint64_t>> LogLimiter::sweep(std::uint64_t now_ms) {
  std::vector<std::pair<std::string, std::uint64_t>> due;
  for (auto it = windows_.begin(); it != windows_.end();) {
    // An ended window is over: its count is reported, and the key's next line opens a new one.
    if (now_ms - it->second.start_ms < rule_.interval_ms) {
      ++it;
      continue;
    }
    if (it->second.suppressed > 0) due.emplace_back(it->first, it->second.suppressed);
    it = windows_.erase(it);
  }
  return due;
}

LogLimiter& thread_log_limiter() {
  static thread_local LogLimiter limiter;
  return limiter;
}

std::uint64_t log_clock_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

void flush_log_summaries() {
  for (const auto& [key, n] : thread_log_limiter().sweep(log_clock_ms()))
    spdlog::warn("{}: suppressed {} similar lines", key, n);
}

}  // namespace minirtc::server
