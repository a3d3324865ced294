#pragma once
// Rate-limited log lines. A client can make the server log at will (connect and close, send
// garbage, present bad URLs), and an error that repeats (accept failing with EMFILE) can log in a
// loop: unbounded, that fills disks and costs the CPU the server needs. So the lines a peer or a
// repeating error can trigger go through log_limited(), keyed by what they say (the call site,
// not the peer: keys are few and fixed).
//
// The rule: per key, at most `lines` lines per window of `interval_ms`, the window starting at
// the first line after the previous one ended. Lines beyond that are counted, not written; the
// count is reported once, as "KEY: suppressed K similar lines", when the window has ended: before
// the key's next line, or by sweep() (the server's timer, twice a second) if none follows. An
// ended window is forgotten, so the limiter holds only the keys active in the last interval.
//
// LogLimiter is the rule, pure (time is given); log_limited() applies it to spdlog with the
// steady clock, one limiter per thread (the server runs one event loop).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

namespace minirtc::server {

class LogLimiter {
 public:
  struct Rule {
    std::uint32_t lines = 50;
    std::uint64_t interval_ms = 10'000;
  };
  struct Decision {
    bool emit = true;              // write this line
    std::uint64_t suppressed = 0;  // lines held back in the key's previous window: report first
  };

  LogLimiter() = default;
  explicit LogLimiter(Rule rule) : rule_(rule) {}

  Decision on_line(std::string_view key, std::uint64_t now_ms);
  /// Ends the windows older than the interval: returns the keys that held lines back, with
  /// their counts (each reported once), and forgets them all.
  std::vector<std::pair<std::string, std::uint64_t>> sweep(std::uint64_t now_ms);
  std::size_t keys() const noexcept { return windows_.size(); }

 private:
  struct Window {
    std::uint64_t start_ms = 0;
    std::uint32_t written = 0;
    std::uint64_t suppressed = 0;
  };
  Rule rule_;
  std::map<std::string, Window, std::less<>> windows_;
};

/// The calling thread's limiter (default rule) and its clock.
LogLimiter& thread_log_limiter();
std::uint64_t log_clock_ms();
/// Writes the summaries sweep() finds due (call from a timer).
void flush_log_summaries();

template <class... Args>
void log_limited(spdlog::level::level_enum level, std::string_view key,
                 fmt::format_string<Args...> format, Args&&... args) {
  if (!spdlog::should_log(level)) return;
  const auto d = thread_log_limiter().on_line(key, log_clock_ms());
  if (d.suppressed > 0) spdlog::log(level, "{}: suppressed {} similar lines", key, d.suppressed);
  if (d.emit) spdlog::log(level, format, std::forward<Args>(args)...);
}

}  // namespace minirtc::server
