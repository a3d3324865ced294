#include "console/history.hpp"

namespace minirtc::console {

void History::sample(std::uint64_t now_ms, std::span<const StreamSample> streams) {
  std::map<std::string, Series, std::less<>> next;
  std::uint64_t in = 0, out = 0;
  for (const auto& s : streams) {
    Series series;
    if (auto it = streams_.find(s.key); it != streams_.end()) {
      series = std::move(it->second);
      if (s.bytes_in >= series.bytes_in) in += s.bytes_in - series.bytes_in;
      if (s.bytes_out >= series.bytes_out) out += s.bytes_out - series.bytes_out;
    }
    series.bytes_in = s.bytes_in;
    series.bytes_out = s.bytes_out;
    push(series.points, StreamPoint{now_ms, s.kbps, s.fps, s.viewers});
    next.insert_or_assign(s.key, std::move(series));
  }
  streams_ = std::move(next);
  TotalPoint t{now_ms, 0, 0};
  if (last_ms_ != 0 && now_ms > last_ms_) {
    const double seconds = static_cast<double>(now_ms - last_ms_) / 1000.0;
    t.in_mbps = static_cast<double>(in) * 8 / 1e6 / seconds;
    t.out_mbps = static_cast<double>(out) * 8 / 1e6 / seconds;
  }
  last_ms_ = now_ms;
  push(totals_, t);
}

const std::deque<StreamPoint>* History::stream(std::string_view key) const {
  auto it = streams_.find(key);
  return it == streams_.end() ? nullptr : &it->second.points;
}

}  // namespace minirtc::console
