#pragma once
// A dispatcher over a real RoomService with fake URLs and a fake token checker.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "signal/dispatcher.hpp"
#include "unit/room/room_fixture.hpp"

namespace minirtc::signal::testing {

using room::testing::FakeUrls;
using room::testing::kApp;

/// "ok": every privilege; "nopub": join+subscribe; "nosub": join+publish; anything else fails
/// with the token as the reason ("token expired", "bad signature", ...).
inline Result<room::Grant> fake_check(std::string_view, std::string_view token, std::string_view,
                                      std::string_view, std::uint64_t) {
  room::Grant g;
  g.join = true;
  if (token == "ok") {
    g.publish = g.subscribe = true;
  } else if (token == "nopub") {
    g.subscribe = true;
  } else if (token == "nosub") {
    g.publish = true;
  } else {
    return make_error(std::string(token));
  }
  return g;
}

class SignalTest : public ::testing::Test {
 protected:
  explicit SignalTest(room::Config room_config = {}, DispatcherConfig config = {})
      : rooms(room_config, urls), dispatcher(rooms, fake_check, config) {}

  /// Sends one frame and returns the reply text ("" when none).
  std::string send(room::SessionId s, std::string_view frame) {
    last = dispatcher.on_text(s, frame, now);
    return last.reply.value_or("");
  }
  std::string call(room::SessionId s, std::string_view method, std::string_view params = "{}",
                   int id = 1) {
    return send(s, R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"method":")" +
                       std::string(method) + R"(","params":)" + std::string(params) + "}");
  }
  std::string join(room::SessionId s, std::string_view user, std::string_view extra = "",
                   std::string_view token = "ok") {
    return call(s, "join",
                R"({"appId":")" + kApp + R"(","token":")" + std::string(token) +
                    R"(","roomId":"r1","userId":")" + std::string(user) + "\"" +
                    std::string(extra) + "}");
  }
  /// Texts sent to `s` by the last call.
  std::vector<std::string> texts_to(room::SessionId s) const {
    std::vector<std::string> v;
    for (const auto& m : last.messages)
      if (m.to == s) v.push_back(m.text);
    return v;
  }
  static std::string err(int id, int code, std::string_view message) {
    return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"error":{"code":)" +
           std::to_string(code) + R"(,"message":")" + std::string(message) + "\"}}";
  }
  static std::string ok(int id, std::string_view result) {
    return R"({"jsonrpc":"2.0","id":)" + std::to_string(id) + R"(,"result":)" +
           std::string(result) + "}";
  }
  static std::string note(std::string_view method, std::string_view params) {
    return R"({"jsonrpc":"2.0","method":")" + std::string(method) + R"(","params":)" +
           std::string(params) + "}";
  }

  std::uint64_t now = 1'700'000'000'000;
  FakeUrls urls;
  room::RoomService rooms;
  SignalDispatcher dispatcher;
  DispatchResult last;
};

}  // namespace minirtc::signal::testing
