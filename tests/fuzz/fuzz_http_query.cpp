// Fuzzes the HTTP query-string parser (every /v1 route and FLV URL goes through it).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/query.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto [path, query] = minirtc::http::split_target(input);
  (void)path;
  if (auto q = minirtc::http::Query::parse(query)) {
    (void)q->get("appId");
    (void)q->get("a");
  }
  if (auto decoded = minirtc::http::percent_decode(input)) {
    auto again = minirtc::http::percent_decode(minirtc::http::percent_encode(*decoded));
    if (!again || *again != *decoded) __builtin_trap();  // encode must invert decode
  }
  return 0;
}
