// The console feed's first message (console/feed_message.hpp): what anyone who reaches the HTTP
// port can send on /v1/admin/feed before any authentication. Must never crash, and the key check
// must agree with the plain reading of the message: accepted exactly when it is an object with
// "type":"auth" and "key" equal to the admin key; never accepted with no admin key configured;
// and a message that names its own key (type auth, a non-empty key) is accepted under that key.
//
// Input: the message's text, as the WebSocket layer hands it over (at most 4 KiB there; longer
// inputs are fuzzed too).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "console/feed_message.hpp"

using namespace minirtc::console;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr std::string_view kKey = "fuzz-admin-key-0123456789";
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const FeedMessage m = parse_feed_message(text);
  const FeedAuth r = check_feed_auth(text, kKey);
  const FeedAuth expected = m.type != "auth" ? FeedAuth::NotAuth
                            : m.key == kKey  ? FeedAuth::Accepted
                                             : FeedAuth::WrongKey;
  if (r != expected) std::abort();
  if (check_feed_auth(text, "") == FeedAuth::Accepted) std::abort();
  if (m.type == "auth" && !m.key.empty() && check_feed_auth(text, m.key) != FeedAuth::Accepted)
    std::abort();
  if (to_string(r) == nullptr) std::abort();
  return 0;
}
