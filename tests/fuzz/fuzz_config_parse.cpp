// libFuzzer target: the config file parser (parse_config, what `minirtc serve --config` reads) on
// arbitrary text. It must answer every input with a Config or a reason, never an exception or a
// crash, and what it accepts must hold what the server relies on: valid app ids with keys, a
// known send-batching mode, integers in range. Parsing the same text over the result again gives
// the same settings (the apps list aside, which a file appends to).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/ids.hpp"
#include "server/batch_sender.hpp"
#include "server/config.hpp"

using minirtc::server::Config;

namespace {
bool same_settings(const Config& a, const Config& b) {
  return a.http_listen == b.http_listen && a.rtmp_listen == b.rtmp_listen &&
         a.public_url == b.public_url && a.admin_key == b.admin_key &&
         a.media.send_batching == b.media.send_batching &&
         a.media.gop.max_packets == b.media.gop.max_packets &&
         a.media.viewer_queue.max_bytes == b.media.viewer_queue.max_bytes &&
         a.http.header_limit == b.http.header_limit && a.http.body_limit == b.http.body_limit &&
         a.max_visible_users == b.max_visible_users &&
         a.max_requests_per_second == b.max_requests_per_second;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = minirtc::server::parse_config(text);
  if (!parsed) {
    if (parsed.error().reason.empty()) std::abort();  // every refusal says why
    return 0;
  }
  for (const auto& app : parsed->apps)
    if (!minirtc::is_valid_app_id(app.id) || app.key.empty()) std::abort();
  if (!minirtc::server::BatchSender::parse(parsed->media.send_batching)) std::abort();
  auto again = minirtc::server::parse_config(text, *parsed);
  if (!again || !same_settings(*again, *parsed) || again->apps.size() != 2 * parsed->apps.size())
    std::abort();
  return 0;
}
