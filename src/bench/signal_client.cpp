#include "bench/signal_client.hpp"

#include "bench/clock.hpp"

namespace minirtc::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

SignalClient::SignalClient(asio::io_context& io, asio::ip::tcp::endpoint endpoint,
                           std::string host_header, Handlers handlers)
    : ws_(io), endpoint_(endpoint), host_(std::move(host_header)), handlers_(std::move(handlers)) {}

void SignalClient::start() {
  beast::get_lowest_layer(ws_).async_connect(
      endpoint_, [self = shared_from_this()](beast::error_code ec) {
        if (self->closed_) return;
        if (ec) return self->fail("connect: " + ec.message());
        beast::get_lowest_layer(self->ws_).socket().set_option(asio::ip::tcp::no_delay(true));
        self->ws_.read_message_max(kMaxFrame);
        self->ws_.text(true);
        self->ws_.async_handshake(self->host_, "/v1/signal", [self](beast::error_code ec2) {
          if (self->closed_) return;
          if (ec2) return self->fail("handshake: " + ec2.message());
          self->open_ = true;
          if (self->handlers_.on_open) self->handlers_.on_open();
          self->read();
          self->flush();
        });
      });
}

void SignalClient::close() {
  if (closed_) return;
  closed_ = true;
  open_ = false;
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

void SignalClient::fail(const std::string& reason) {
  if (closed_) return;
  close();
  if (handlers_.on_closed) handlers_.on_closed(reason);
}

void SignalClient::call(std::string_view method, json::object params, ReplyHandler on_reply) {
  const auto id = next_id_++;
  json::object req;
  req["jsonrpc"] = "2.0";
  req["id"] = id;
  req["method"] = method;
  req["params"] = std::move(params);
  out_.push_back(json::serialize(req));
  pending_[id] = Pending{now_ns(), std::move(on_reply)};
  flush();
}

void SignalClient::flush() {
  if (!open_ || writing_ || out_.empty() || closed_) return;
  writing_ = true;
  // The send time of a request counts from here: that is when it leaves for the server.
  ws_.async_write(asio::buffer(out_.front()),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    self->writing_ = false;
                    if (self->closed_) return;
                    if (ec) return self->fail("write: " + ec.message());
                    self->out_.pop_front();
                    self->flush();
                  });
}

void SignalClient::read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->closed_) return;
    if (ec) return self->fail("read: " + ec.message());
    self->on_message();
    if (self->closed_) return;
    self->buffer_.consume(self->buffer_.size());
    self->read();
  });
}

void SignalClient::on_message() {
  const auto now = now_ns();
  const auto data = buffer_.cdata();
  std::string_view text(static_cast<const char*>(data.data()), data.size());
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return fail("not a JSON object");
  const auto& obj = v.get_object();
  if (const auto* method = obj.if_contains("method")) {
    if (!method->is_string()) return fail("method is not a string");
    static const json::object kEmpty;
    const auto* params = obj.if_contains("params");
    const auto& p = params && params->is_object() ? params->get_object() : kEmpty;
    if (handlers_.on_notification) handlers_.on_notification(method->get_string(), p, now);
    return;
  }
  const auto* id = obj.if_contains("id");
  if (!id || !id->is_int64()) return;  // a reply to nothing we sent (e.g. id null)
  auto it = pending_.find(id->get_int64());
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  const auto* err = obj.if_contains("error");
  static const json::value kNull;
  const auto* result = obj.if_contains("result");
  if (p.handler)
    p.handler(result ? *result : kNull, err && err->is_object() ? &err->get_object() : nullptr,
              now - p.sent_ns);
}

}  // namespace minirtc::bench
