#include "bench/rtmp_client.hpp"

#include <chrono>

#include "bench/arrival_reader.hpp"
#include "bench/clock.hpp"
#include "rtmp/aggregate.hpp"
#include "rtmp/amf0.hpp"
#include "rtmp/command.hpp"
#include "rtmp/control.hpp"

namespace minirtc::bench {

namespace asio = boost::asio;
namespace amf0 = rtmp::amf0;
using amf0::Value;

namespace {
constexpr std::uint32_t kCsidStream = 8;  // publish/play, as ffmpeg sends them
constexpr double kTxConnect = 1, kTxCreateStream = 2;
}  // namespace

RtmpClient::RtmpClient(asio::io_context& io, Role role, RtmpTarget target, Handlers handlers,
                       double read_rate_bytes_per_s)
    : socket_(io),
      role_(role),
      target_(std::move(target)),
      handlers_(std::move(handlers)),
      reader_(socket_, read_rate_bytes_per_s) {}

void RtmpClient::start() {
  socket_.async_connect(target_.endpoint,
                        [self = shared_from_this()](boost::system::error_code ec) {
                          if (self->closed_) return;
                          if (ec) return self->fail("connect: " + ec.message());
                          self->socket_.set_option(asio::ip::tcp::no_delay(true));
                          self->reader_.connected();
                          self->handshake_.start(self->pending_);
                          self->flush();
                          self->read();
                        });
}

void RtmpClient::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  reader_.close();
}

void RtmpClient::fail(const std::string& reason) {
  if (closed_) return;
  close();
  if (handlers_.on_closed) handlers_.on_closed(reason);
}

void RtmpClient::read() {
  if (closed_) return;
  reader_.read([self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
    if (self->closed_) return;
    if (ec) return self->fail("read: " + ec.message());
    self->on_read(n);
  });
}

void RtmpClient::on_read(std::size_t n) {
  auto data = reader_.data(n);
  if (!handshake_.done()) {
    auto used = handshake_.feed(data, pending_);
    if (!used) return fail("handshake: " + used.error().reason);
    data = data.subspan(*used);
    if (handshake_.done()) {
      // The handshake is over: C2 is queued; connect follows right behind it.
      send_command(rtmp::kCsidCommand, 0,
                   rtmp::connect_command(kTxConnect, target_.app, target_.tc_url));
    }
  }
  if (!data.empty()) {
    if (auto st = decoder_.feed(data, *this); !st) return fail("chunk: " + st.error().reason);
    if (closed_) return;
    if (ack_window_ > 0 && decoder_.bytes_received() - last_ack_ >= ack_window_) {
      last_ack_ = decoder_.bytes_received();
      send(rtmp::control_message(
          rtmp::MessageType::Acknowledgement,
          rtmp::acknowledgement_payload(static_cast<std::uint32_t>(last_ack_))));
    }
  }
  flush();
  read();
}

bool RtmpClient::receive(rtmp::CompletedMessage& m) {
  if (m.type == rtmp::to_u8(rtmp::MessageType::Audio) ||
      m.type == rtmp::to_u8(rtmp::MessageType::Video)) {
    if (handlers_.on_media)
      handlers_.on_media(m.type, m.timestamp, m.payload, reader_.arrival_ns());
  } else {
    handle(rtmp::Message{m.csid, m.type, m.timestamp, m.stream_id,
                         SharedBuffer(std::move(m.payload))});
  }
  return !closed_;
}

void RtmpClient::handle(const rtmp::Message& m) {
  using rtmp::MessageType;
  switch (static_cast<MessageType>(m.type)) {
    case MessageType::WindowAckSize:
      if (auto w = rtmp::parse_window_ack_size(m.payload.span())) ack_window_ = *w;
      return;
    case MessageType::UserControl: {
      auto ev = rtmp::parse_user_control(m.payload.span());
      if (!ev) return fail("user control: " + ev.error().reason);
      if (ev->type == static_cast<std::uint16_t>(rtmp::UserControlType::PingRequest))
        send(rtmp::control_message(MessageType::UserControl,
                                   rtmp::ping_response_payload(ev->value)));
      return;
    }
    case MessageType::CommandAmf0:
    case MessageType::CommandAmf3:
      return handle_command(m);
    case MessageType::Audio:
    case MessageType::Video:
      if (handlers_.on_media)
        handlers_.on_media(m.type, m.timestamp, m.payload.span(), reader_.arrival_ns());
      return;
    case MessageType::DataAmf0:
    case MessageType::DataAmf3: {
      auto d = rtmp::parse_data(m);  // parsed to prove it is well-formed
      if (!d) return fail("data message: " + d.error().reason);
      if (handlers_.on_media)
        handlers_.on_media(m.type, m.timestamp, m.payload.span(), reader_.arrival_ns());
      return;
    }
    case MessageType::Aggregate: {
      auto parts = rtmp::split_aggregate(m);
      if (!parts) return fail("aggregate: " + parts.error().reason);
      for (const auto& p : *parts) {
        handle(p);
        if (closed_) return;
      }
      return;
    }
    default:
      return;  // SetChunkSize is applied by the decoder; Ack and bandwidth need nothing
  }
}

void RtmpClient::handle_command(const rtmp::Message& m) {
  auto cmd = rtmp::parse_command(m);
  if (!cmd) return fail("command: " + cmd.error().reason);
  if (cmd->name == "_error") return fail("server refused a command");
  if (cmd->name == "_result" && cmd->transaction_id == kTxConnect) {
    if (role_ == Role::Publish) {
      const Value name = Value::string(target_.stream);
      send_command(rtmp::kCsidCommand, 0,
                   rtmp::encode_command("releaseStream", 3, Value::null(), {&name, 1}));
      send_command(rtmp::kCsidCommand, 0,
                   rtmp::encode_command("FCPublish", 4, Value::null(), {&name, 1}));
    }
    send_command(rtmp::kCsidCommand, 0,
                 rtmp::encode_command("createStream", kTxCreateStream, Value::null()));
    return;
  }
  if (cmd->name == "_result" && cmd->transaction_id == kTxCreateStream) {
    if (cmd->args.empty() || !cmd->args[0].is_number()) return fail("createStream: no stream id");
    stream_id_ = static_cast<std::uint32_t>(cmd->args[0].as_number());
    if (role_ == Role::Publish) {
      const Value args[] = {Value::string(target_.stream), Value::string("live")};
      send_command(kCsidStream, stream_id_,
                   rtmp::encode_command("publish", 0, Value::null(), args));
    } else {
      send(rtmp::control_message(rtmp::MessageType::UserControl,
                                 rtmp::set_buffer_length_payload(stream_id_, 100)));
      const Value args[] = {Value::string(target_.stream), Value::number(-1000)};
      send_command(kCsidStream, stream_id_, rtmp::encode_command("play", 0, Value::null(), args));
    }
    return;
  }
  if (cmd->name != "onStatus") return;
  const Value* info = cmd->args.empty() ? nullptr : &cmd->args[0];
  const auto level = info ? info->get_string("level").value_or("") : std::string_view();
  const auto code = info ? info->get_string("code").value_or("") : std::string_view();
  if (level == "error") return fail(std::string("onStatus ") + std::string(code));
  const bool started =
      role_ == Role::Publish ? code == "NetStream.Publish.Start" : code == "NetStream.Play.Start";
  if (started && !ready_) {
    ready_ = true;
    if (handlers_.on_ready) handlers_.on_ready();
  }
}

void RtmpClient::set_out_chunk_size(std::uint32_t size) {
  send(rtmp::control_message(rtmp::MessageType::SetChunkSize, rtmp::set_chunk_size_payload(size)));
  flush();
}

void RtmpClient::send_media(std::uint8_t type, std::uint32_t timestamp,
                            std::span<const std::uint8_t> payload) {
  if (closed_) return;
  const std::uint32_t csid = type == 8   ? rtmp::kCsidAudio
                             : type == 9 ? rtmp::kCsidVideo
                                         : rtmp::kCsidData;
  if (type == 18) {
    // A publisher wraps the file's onMetaData in @setDataFrame, as ffmpeg does.
    std::vector<std::uint8_t> body = amf0::encode(Value::string("@setDataFrame"));
    body.insert(body.end(), payload.begin(), payload.end());
    encoder_.encode(rtmp::Message{csid, type, timestamp, stream_id_, SharedBuffer(std::move(body))},
                    pending_);
  } else {
    rtmp::encode_message(csid, type, timestamp, stream_id_, payload, encoder_.chunk_size(),
                         pending_);
    encoder_.reset_csid(csid);
  }
  flush();
}

void RtmpClient::send(const rtmp::Message& m) {
  encoder_.encode(m, pending_);
}

void RtmpClient::send_command(std::uint32_t csid, std::uint32_t stream_id,
                              std::vector<std::uint8_t> body) {
  send(rtmp::Message{csid, rtmp::to_u8(rtmp::MessageType::CommandAmf0), 0, stream_id,
                     SharedBuffer(std::move(body))});
}

void RtmpClient::flush() {
  if (write_in_flight_ || pending_.empty() || closed_) return;
  write_in_flight_ = true;
  writing_.swap(pending_);
  pending_.clear();
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                      self->write_in_flight_ = false;
                      if (self->closed_) return;
                      if (ec) return self->fail("write: " + ec.message());
                      self->writing_.clear();
                      self->flush();
                    });
}

}  // namespace minirtc::bench
