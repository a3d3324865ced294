// Arbitrary signalling traffic against a dispatcher over a real RoomService: frames from four
// sessions interleaved with socket closes, timer ticks, media events and report bodies.
// Checks that nothing crashes and that every text the server would send is valid JSON.
//
// Input: a sequence of records  [control byte][u16 length, little-endian][payload]. The control
// byte's low 2 bits pick the session (1..4), the next 3 bits the operation.

#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signal/admin_json.hpp"
#include "signal/dispatcher.hpp"
#include "signal_fakes.hpp"

using namespace minirtc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  room::Config config;
  config.max_visible_users = 3;
  config.max_invisible_users = 2;
  config.max_subscribed_streams = 2;
  fuzz::FakeUrls urls;
  room::RoomService rooms(config, urls);
  signal::SignalDispatcher dispatcher(rooms, fuzz::check_token);
  std::uint64_t now = 1'700'000'000'000;
  const std::string app = "0123456789abcdef01234567";

  std::size_t pos = 0;
  while (pos + 3 <= size) {
    const std::uint8_t control = data[pos];
    std::size_t len = data[pos + 1] | (std::size_t{data[pos + 2]} << 8);
    pos += 3;
    if (len > size - pos) len = size - pos;
    const std::string_view payload(reinterpret_cast<const char*>(data + pos), len);
    pos += len;
    const room::SessionId session = (control & 3) + 1;
    const StreamId stream{app, "r1", payload.empty() ? "u" : std::string(payload.substr(0, 8)),
                          (control & 0x80) ? StreamKind::Screen : StreamKind::Main};
    switch ((control >> 2) & 7) {
      case 0:
      case 1:
        fuzz::check_result(dispatcher.on_text(session, payload, now));
        break;
      case 2:
        fuzz::check_result(dispatcher.on_socket_closed(session, now));
        break;
      case 3:
        now += payload.empty() ? 1000 : std::uint64_t{static_cast<std::uint8_t>(payload[0])} * 500;
        fuzz::check_result(dispatcher.tick(now));
        break;
      case 4:
        fuzz::check_result(
            dispatcher.on_media_started(stream, control & 0x20, control & 0x40, now));
        break;
      case 5:
        fuzz::check_result(dispatcher.on_media_stopped(stream, now));
        break;
      case 6: {
        auto reply = dispatcher.on_report(payload, now);
        fuzz::must_be_json(reply.body);
        fuzz::check_result(reply.dispatch);
        break;
      }
      case 7: {
        fuzz::check_result(dispatcher.render(rooms.kick(app, "r1", stream.user_id, "k", now)));
        fuzz::check_result(dispatcher.render(
            rooms.forbid_publish(app, "r1", stream.user_id, control & 0x20, now)));
        fuzz::must_be_json(signal::rooms_json(app, rooms.list_rooms(app)));
        if (auto v = rooms.room(app, "r1")) fuzz::must_be_json(signal::room_json(*v));
        fuzz::must_be_json(signal::counts_json(rooms.counts()));
        break;
      }
    }
  }
  return 0;
}
