#pragma once
// What the signalling fuzz targets put around a real RoomService and SignalDispatcher: URLs that
// need no keys, a token check decided by the token's first letters, and the JSON check applied to
// every text the server would send.

#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "room/room_service.hpp"
#include "signal/dispatcher.hpp"

namespace minirtc::fuzz {

class FakeUrls : public room::MediaUrls {
 public:
  std::string publish_url(const StreamId& s, std::string_view nonce, std::uint64_t) override {
    return "rtmp://h/live/" + stream_key(s) + "?n=" + std::string(nonce);
  }
  std::string play_url(const StreamId& s, std::string_view viewer, room::PlayFormat f,
                       std::string_view nonce, std::uint64_t) override {
    return std::string(f == room::PlayFormat::Flv ? "http://h/live/" : "rtmp://h/live/") +
           stream_key(s) + "?v=" + std::string(viewer) + "&n=" + std::string(nonce);
  }
  std::string new_nonce() override { return std::to_string(++n_); }
  std::string new_session_token() override { return "t" + std::to_string(++t_); }

 private:
  std::uint64_t n_ = 0, t_ = 0;
};

/// Tokens: empty or "x…" refused; "s…" subscribe only, "p…" publish only; "?e…" expiring.
inline Result<room::Grant> check_token(std::string_view, std::string_view token, std::string_view,
                                       std::string_view, std::uint64_t now_ms) {
  room::Grant g;
  if (token.empty() || token[0] == 'x') return make_error("bad token");
  g.join = true;
  g.publish = token[0] != 's';
  g.subscribe = token[0] != 'p';
  if (token.size() > 1 && token[1] == 'e') {  // expiring privileges
    g.publish_expires_ms = now_ms + 1000;
    g.subscribe_expires_ms = now_ms + 2000;
    g.token_expires_ms = now_ms + 3000;
  }
  return g;
}

inline void must_be_json(std::string_view text) {
  boost::system::error_code ec;
  (void)boost::json::parse(boost::json::string_view(text.data(), text.size()), ec);
  if (ec) std::abort();
}

inline void check_result(const signal::DispatchResult& r) {
  if (r.reply) must_be_json(*r.reply);
  for (const auto& m : r.messages) must_be_json(m.text);
}

}  // namespace minirtc::fuzz
