#include "webhook/envelope.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include <openssl/sha.h>
#include <boost/json.hpp>
#include <cstdio>

#include "util/hex.hpp"

namespace minirtc::webhook {

std::string signature(const Envelope& e, std::string_view secret) {
  std::array<std::string_view, 8> parts{e.event_type, e.event_data, e.event_time, e.event_id,
                                        e.app_id,     e.version,    e.nonce,      secret};
  std::sort(parts.begin(), parts.end());  // string_view compares bytes as unsigned char
  std::string joined;
  for (auto p : parts) joined += p;
  std::array<std::uint8_t, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), digest.data());
  return to_hex(digest);
}

std::string envelope_body(const Envelope& e, std::string_view secret) {
  boost::json::object o;
  o["EventType"] = e.event_type;
  o["EventData"] = e.event_data;
  o["EventTime"] = e.event_time;
  o["EventId"] = e.event_id;
  o["AppId"] = e.app_id;
  o["Version"] = e.version;
  o["Nonce"] = e.nonce;
  o["Signature"] = signature(e, secret);
  return boost::json::serialize(o);
}

std::string rfc3339_ms(std::uint64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(unix_ms)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return out;
}

}  // namespace minirtc::webhook
