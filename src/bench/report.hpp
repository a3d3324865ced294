#pragma once
// The result of one scenario: named values in the order they were added, printed as a table and
// written as JSON (what bench/run.sh turns into bench/RESULTS.md).

#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "bench/latency_histogram.hpp"

namespace minirtc::bench {

class Report {
 public:
  void add(std::string key, boost::json::value value, std::string unit = "");
  void add(std::string key, const std::string& text) {
    add(std::move(key), boost::json::value(boost::json::string(text.data(), text.size())));
  }
  void add(std::string key, const char* text) { add(std::move(key), std::string(text)); }
  /// key_p50, key_p99, key_max (ms) and key_count.
  void add_latency(const std::string& key, const LatencyHistogram& h);
  void warn(std::string text) { warnings_.push_back(std::move(text)); }

  boost::json::object to_json() const;
  std::string table() const;

 private:
  struct Row {
    std::string key;
    boost::json::value value;
    std::string unit;
  };
  std::vector<Row> rows_;
  std::vector<std::string> warnings_;
};

}  // namespace minirtc::bench
