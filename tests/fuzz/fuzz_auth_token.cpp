// libFuzzer target: AccessToken parsing and the server's checks on arbitrary token strings.
// Also checks that whatever parses re-encodes to the same signed bytes (the format is canonical).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "auth/access_token.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace minirtc::auth;
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_signed_token(token);
  if (parsed) {
    if (encode_token_msg(parsed->token) != parsed->msg) std::abort();
    (void)verify_signature(*parsed, "app key");
    (void)privilege_expiry(parsed->token, TokenAction::Join);
  }
  for (auto action : {TokenAction::Join, TokenAction::Publish, TokenAction::Subscribe}) {
    auto r = check_token(token, "123456781234567812345678", "app key", "new room", "new user id",
                         action, 1700000000);
    if (r && !parsed) std::abort();  // a token that passes the checks must parse
  }
  return 0;
}
