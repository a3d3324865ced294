#pragma once
// HMAC-SHA256 and constant-time comparison (OpenSSL), shared by tokens and signed media URLs.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace minirtc::auth {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest hmac_sha256(std::string_view key, std::span<const std::uint8_t> data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);

/// Equal sizes and equal bytes; the time taken depends only on the sizes, so a forger learns
/// nothing from how long a wrong signature took to refuse.
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

/// n random bytes from OpenSSL's CSPRNG as lower-case hex (2n characters).
std::string random_hex(std::size_t n_bytes);

/// A random u32 from OpenSSL's CSPRNG.
std::uint32_t random_u32();

}  // namespace minirtc::auth
