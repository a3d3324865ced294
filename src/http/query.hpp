#pragma once
// Request targets and URL query strings: split, percent-decode, look up. Bounded: at most 64
// parameters.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace minirtc::http {

/// Percent-decodes (and '+' → ' '); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);
std::string percent_encode(std::string_view s);

class Query {
 public:
  static constexpr std::size_t kMaxParams = 64;
  /// Parses "a=1&b=2"; nullopt when malformed or too many parameters.
  static std::optional<Query> parse(std::string_view query);

  std::optional<std::string_view> get(std::string_view key) const;

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

/// "/path?query" → {"/path", "query"}.
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

/// A cluster node's path prefix (e.g. "/n2", docs/cluster.md) taken off `path`: "/n2/v1/signal"
/// → "/v1/signal", "/n2" → "/". A path outside the prefix (a proxy that strips it already, or
/// no prefix) is returned unchanged; "/n20/x" is outside "/n2".
std::string_view strip_path_prefix(std::string_view path, std::string_view prefix);

/// The stream key of an FLV playback path, "/live/{key}.flv" → key; empty for any other path.
std::string_view flv_stream_key(std::string_view path);

}  // namespace minirtc::http
