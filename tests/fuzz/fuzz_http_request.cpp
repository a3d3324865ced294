// libFuzzer target: what an HTTP client can send before the server knows anything about it. The
// input is the byte stream of one connection, read in fuzzer-chosen pieces (TCP segments) by
// Beast's request parser with the server's header and body limits (HttpConfig's defaults), one
// request after another with the leftover bytes kept, as HttpSession::run reads keep-alive
// requests; then each request is routed as the server routes it: target split, FLV play path,
// WebSocket upgrade, query string.
//
// Input: [read size byte] [stream bytes...].
//
// Checks: nothing crashes or throws; a request the parser accepts is within the limits; the FLV
// stream key is exactly the path between "/live/" and ".flv"; query lookups come from a query
// that parsed.

#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/query.hpp"
#include "server/config.hpp"

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const minirtc::server::HttpConfig limits;  // the server's defaults
  boost::asio::io_context io;
  beast::test::stream client(io,
                             std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  client.read_size(1 + data[0] * 8u);
  client.close_remote();  // the client sends its bytes, then half-closes
  beast::flat_buffer buffer;

  for (int requests = 0; requests < 64; ++requests) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(limits.header_limit);
    parser.body_limit(limits.body_limit);
    boost::system::error_code ec;
    bhttp::read(client, buffer, parser, ec);
    if (ec) break;  // the server answers 400/413/431 or just closes; nothing else to check
    const auto& req = parser.get();
    if (req.body().size() > limits.body_limit) std::abort();
    if (req.target().size() > limits.header_limit) std::abort();

    const std::string_view target(req.target().data(), req.target().size());
    const auto [path, query] = minirtc::http::split_target(target);
    if (path.size() + (query.data() ? query.size() + 1 : 0) != target.size()) std::abort();
    (void)beast::websocket::is_upgrade(req);
    if (auto key = minirtc::http::flv_stream_key(path); !key.empty()) {
      if (std::string("/live/").append(key).append(".flv") != path) std::abort();
    }
    if (auto q = minirtc::http::Query::parse(query)) {
      for (std::string_view name : {"appId", "roomId", "userId", "a", "e", "n", "s", "v"})
        if (auto v = q->get(name); v && v->size() > query.size()) std::abort();
    }
    (void)req[bhttp::field::authorization];
    if (!req.keep_alive()) break;
  }
  return 0;
}
