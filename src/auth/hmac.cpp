#include "auth/hmac.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <vector>

#include "util/hex.hpp"

namespace minirtc::auth {

Sha256Digest hmac_sha256(std::string_view key, std::span<const std::uint8_t> data) {
  Sha256Digest out{};
  unsigned int len = 0;
  // HMAC() accepts a null data pointer only with zero length, so give it a valid address.
  static const std::uint8_t kEmpty = 0;
  const std::uint8_t* p = data.empty() ? &kEmpty : data.data();
  const std::uint8_t* k = key.empty() ? &kEmpty : reinterpret_cast<const std::uint8_t*>(key.data());
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()), p, data.size(), out.data(), &len) ==
          nullptr ||
      len != out.size()) {
    std::abort();  // only on a broken OpenSSL installation; a silent zero MAC would be worse
  }
  return out;
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256(key,
                     std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

bool constant_time_equal(std::span<const std::uint8_t> a,
                         std::span<const std::uint8_t> b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  return constant_time_equal(std::span(reinterpret_cast<const std::uint8_t*>(a.data()), a.size()),
                             std::span(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()));
}

std::string random_hex(std::size_t n_bytes) {
  std::vector<std::uint8_t> bytes(n_bytes);
  if (n_bytes != 0 && RAND_bytes(bytes.data(), static_cast<int>(n_bytes)) != 1)
    std::abort();  // no entropy: refusing to run beats handing out guessable nonces
  return to_hex(bytes);
}

std::uint32_t random_u32() {
  std::uint8_t b[4];
  if (RAND_bytes(b, sizeof b) != 1) std::abort();
  return std::uint32_t{b[0]} | (std::uint32_t{b[1]} << 8) | (std::uint32_t{b[2]} << 16) |
         (std::uint32_t{b[3]} << 24);
}

}  // namespace minirtc::auth
