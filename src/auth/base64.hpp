#pragma once
// RFC 4648 standard base64 with '=' padding, as AccessToken "001" uses. Decoding is strict and
// canonical (no whitespace, no missing padding, unused bits zero), so one token string maps to
// one byte string and a changed character can never decode to the same bytes.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace minirtc::auth {

std::string base64_encode(std::span<const std::uint8_t> bytes);

/// nullopt unless `text` is canonical standard base64 with padding.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace minirtc::auth
