#include "bench/report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace minirtc::bench {

namespace json = boost::json;

namespace {
double round3(double v) {
  return std::round(v * 1000.0) / 1000.0;
}
}  // namespace

void Report::add(std::string key, json::value value, std::string unit) {
  if (value.is_double()) value = round3(value.get_double());
  rows_.push_back(Row{std::move(key), std::move(value), std::move(unit)});
}

void Report::add_latency(const std::string& key, const LatencyHistogram& h) {
  add(key + "_count", h.count());
  add(key + "_p50_ms", h.percentile(0.50), "ms");
  add(key + "_p99_ms", h.percentile(0.99), "ms");
  add(key + "_max_ms", h.max(), "ms");
}

json::object Report::to_json() const {
  json::object o;
  for (const auto& r : rows_) o[r.key] = r.value;
  json::array w;
  for (const auto& s : warnings_) w.emplace_back(s);
  o["warnings"] = std::move(w);
  return o;
}

std::string Report::table() const {
  std::size_t width = 6;
  for (const auto& r : rows_) width = std::max(width, r.key.size());
  std::string out = fmt::format("{:<{}}  {}\n", "metric", width, "value");
  out += std::string(width, '-') + "  " + std::string(16, '-') + "\n";
  for (const auto& r : rows_) {
    std::string v = r.value.is_string()   ? std::string(r.value.get_string())
                    : r.value.is_double() ? fmt::format("{:.3f}", r.value.get_double())
                                          : json::serialize(r.value);
    out += fmt::format("{:<{}}  {}{}{}\n", r.key, width, v, r.unit.empty() ? "" : " ", r.unit);
  }
  for (const auto& w : warnings_) out += "WARNING: " + w + "\n";
  return out;
}

}  // namespace minirtc::bench
