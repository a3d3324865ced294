// libFuzzer target: the signalling WebSocket as SignalSession drives it. A Beast websocket stream
// accepts the upgrade of GET /v1/signal with the server's message limit (the dispatcher's
// FrameLimits), then reads the fuzzer's bytes as the client's frames, in fuzzer-chosen pieces:
// text messages go to a SignalDispatcher over a real RoomService and its replies are written
// back; binary messages get the JSON-RPC error the server sends; control frames, fragments,
// masking, oversized and malformed frames are the WebSocket layer's to handle.
//
// Input: [read size byte] [client frames...].
//
// Checks: nothing crashes or throws; no message longer than the limit reaches the dispatcher;
// every reply and notification is JSON.

#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "signal/dispatcher.hpp"
#include "signal_fakes.hpp"

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using namespace minirtc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  room::Config config;
  fuzz::FakeUrls urls;
  room::RoomService rooms(config, urls);
  signal::SignalDispatcher dispatcher(rooms, fuzz::check_token);
  const std::size_t max_message = signal::FrameLimits{}.max_bytes;
  std::uint64_t now = 1'700'000'000'000;

  boost::asio::io_context io;
  beast::test::stream server(io), client(io);
  server.connect(client);
  server.append(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  server.read_size(1 + data[0] * 16u);
  server.close_remote();  // the client's bytes end here

  beast::http::request<beast::http::string_body> upgrade{beast::http::verb::get, "/v1/signal", 11};
  upgrade.set(beast::http::field::host, "127.0.0.1");
  upgrade.set(beast::http::field::upgrade, "websocket");
  upgrade.set(beast::http::field::connection, "upgrade");
  upgrade.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  upgrade.set(beast::http::field::sec_websocket_version, "13");

  websocket::stream<beast::test::stream&> ws(server);
  ws.read_message_max(max_message);
  boost::system::error_code ec;
  ws.accept(upgrade, ec);
  if (ec) std::abort();  // a valid upgrade is always accepted
  dispatcher.on_open(1, now);

  beast::flat_buffer buffer;
  for (int messages = 0; messages < 256; ++messages) {
    ws.read(buffer, ec);
    if (ec) break;
    if (buffer.size() > max_message) std::abort();
    now += 7;
    std::string reply;
    if (!ws.got_text()) {
      reply =
          R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"binary frames are not JSON-RPC"}})";
    } else {
      auto result = dispatcher.on_text(1, beast::buffers_to_string(buffer.data()), now);
      fuzz::check_result(result);
      if (result.reply) reply = *result.reply;
    }
    buffer.clear();
    if (!reply.empty()) {
      ws.text(true);
      ws.write(boost::asio::buffer(reply), ec);
      if (ec) break;
    }
  }
  (void)dispatcher.on_socket_closed(1, now);
  return 0;
}
