#pragma once
// The write side of a server WebSocket session that queues its text messages (the signalling
// sessions, the console's feed sessions): one write at a time, in queue order; once the queue is
// empty and the session is closing, the close handshake, then `finish` with the close reason.
// A failed write ends the session (`finish` with why). The session owns the stream and the
// queue and keeps itself alive through the callables it passes (each holds its shared_ptr).

#include <deque>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/system/error_code.hpp>

namespace minirtc::server {

/// Writes the front of `outbox`; `next` is called after it was written (to write the rest),
/// `finish(reason)` after the close or a failed write. `writing` tells the session whether a
/// write is under way (set here; the session calls this again only when it is false).
template <class WebSocket, class Next, class Finish>
void write_outbox(WebSocket& ws, std::deque<std::string>& outbox, bool& writing, bool closing,
                  const boost::beast::websocket::close_reason& close, Next next, Finish finish) {
  if (outbox.empty()) {
    writing = false;
    if (closing)
      ws.async_close(close, [close, finish](const boost::system::error_code&) {
        finish(std::string(close.reason.data(), close.reason.size()));
      });
    return;
  }
  writing = true;
  ws.text(true);
  ws.async_write(boost::asio::buffer(outbox.front()),
                 [&outbox, next, finish](const boost::system::error_code& ec, std::size_t) {
                   outbox.pop_front();
                   if (ec) return finish("write failed: " + ec.message());
                   next();
                 });
}

}  // namespace minirtc::server
