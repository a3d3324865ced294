// libFuzzer target: signed media URL checking on arbitrary "streamKey?query" names, the form in
// which RTMP publish/play and HTTP-FLV paths deliver them.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "auth/url_signer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minirtc::auth;
  const std::string_view name(reinterpret_cast<const char*>(data), size);
  const auto [key, query] = split_name_query(name);
  const UrlAppKeyLookup lookup = [](std::string_view app_id) -> std::optional<std::string> {
    if (app_id == "123456781234567812345678") return std::string("app key");
    return std::nullopt;
  };
  for (auto action : {UrlAction::Publish, UrlAction::Play}) {
    auto r = verify_url(key, query, action, lookup, 1700000000);
    // Whatever verifies must re-sign to a query that verifies to the same grant.
    if (r) {
      auto again = verify_url(key, sign_url_query(*r, "app key"), action, lookup, 1700000000);
      if (!again || !(*again == *r)) std::abort();
    }
  }
  return 0;
}
