#include "rtmp/play_client.hpp"

#include "rtmp/aggregate.hpp"
#include "rtmp/amf0.hpp"
#include "rtmp/command.hpp"
#include "rtmp/control.hpp"

namespace minirtc::rtmp {

namespace {
using amf0::Value;
constexpr double kTxConnect = 1, kTxCreateStream = 2;
constexpr std::uint32_t kCsidStream = 8;  // play goes on its own chunk stream, as ffmpeg sends it
constexpr std::uint32_t kBufferMs = 100;
}  // namespace

PlayClient::PlayClient(PlayTarget target, ChunkLimits limits)
    : target_(std::move(target)), decoder_(limits) {}

void PlayClient::start(std::vector<std::uint8_t>& out) {
  handshake_.start(out);
}

Status PlayClient::feed(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out,
                        std::vector<PlayEvent>& events) {
  if (!failed_) return failed_;
  if (!handshake_.done()) {
    auto used = handshake_.feed(in, out);
    if (!used) return failed_ = make_error("handshake: " + used.error().reason);
    in = in.subspan(*used);
    if (!handshake_.done()) return {};
    // C2 is in `out`; connect follows right behind it.
    out_ = &out;
    send_command(kCsidCommand, 0, connect_command(kTxConnect, target_.app, target_.tc_url));
    out_ = nullptr;
    if (in.empty()) return {};
  }
  out_ = &out;
  events_ = &events;
  message_status_ = {};
  auto st = decoder_.feed(in, *this);
  out_ = nullptr;
  events_ = nullptr;
  if (!message_status_) return failed_ = message_status_;
  if (!st) return failed_ = make_error("chunk stream: " + st.error().reason);
  if (ack_window_ > 0 && decoder_.bytes_received() - acked_ >= ack_window_) {
    acked_ = decoder_.bytes_received();
    encoder_.encode(control_message(MessageType::Acknowledgement,
                                    acknowledgement_payload(static_cast<std::uint32_t>(acked_))),
                    out);
  }
  return {};
}

bool PlayClient::receive(CompletedMessage& m) {
  message_status_ =
      handle(Message{m.csid, m.type, m.timestamp, m.stream_id, SharedBuffer(std::move(m.payload))});
  return message_status_.ok();
}

Status PlayClient::handle(const Message& m) {
  switch (static_cast<MessageType>(m.type)) {
    case MessageType::WindowAckSize: {
      auto w = parse_window_ack_size(m.payload.span());
      if (!w) return make_error("window ack size: " + w.error().reason);
      ack_window_ = *w;
      return {};
    }
    case MessageType::UserControl: {
      auto ev = parse_user_control(m.payload.span());
      if (!ev) return make_error("user control: " + ev.error().reason);
      if (ev->type == static_cast<std::uint16_t>(UserControlType::PingRequest))
        encoder_.encode(control_message(MessageType::UserControl, ping_response_payload(ev->value)),
                        *out_);
      return {};
    }
    case MessageType::CommandAmf0:
    case MessageType::CommandAmf3:
      return handle_command(m);
    case MessageType::Audio:
    case MessageType::Video:
    case MessageType::DataAmf0:
    case MessageType::DataAmf3:
      if (playing_ && !target_.publish) events_->push_back(PlayEvent{PlayEvent::Kind::Media, m});
      return {};
    case MessageType::Aggregate: {
      auto parts = split_aggregate(m);
      if (!parts) return make_error("aggregate: " + parts.error().reason);
      for (auto& p : *parts)
        if (playing_ && !target_.publish)
          events_->push_back(PlayEvent{PlayEvent::Kind::Media, std::move(p)});
      return {};
    }
    default:
      return {};  // SetChunkSize and Abort are applied by the decoder; the rest needs nothing
  }
}

Status PlayClient::handle_command(const Message& m) {
  auto cmd = parse_command(m);
  if (!cmd) return make_error("command: " + cmd.error().reason);
  const Value* info = cmd->args.empty() ? nullptr : &cmd->args[0];
  auto field = [info](std::string_view name) {
    return std::string(info ? info->get_string(name).value_or("") : std::string_view());
  };
  auto refused = [&]() -> Status {
    refusal_code_ = field("code");
    refusal_description_ = field("description");
    return make_error("refused: " + refusal_code_ + ": " + refusal_description_);
  };
  if (cmd->name == "_error") return refused();
  if (cmd->name == "_result" && cmd->transaction_id == kTxConnect) {
    send_command(kCsidCommand, 0, encode_command("createStream", kTxCreateStream, Value::null()));
    return {};
  }
  if (cmd->name == "_result" && cmd->transaction_id == kTxCreateStream) {
    if (!info || !info->is_number()) return make_error("createStream answered without a stream id");
    stream_id_ = static_cast<std::uint32_t>(info->as_number());
    if (target_.publish) {
      if (target_.out_chunk_size > 0)  // the encoder applies it after this message
        encoder_.encode(control_message(MessageType::SetChunkSize,
                                        set_chunk_size_payload(target_.out_chunk_size)),
                        *out_);
      const Value args[] = {Value::string(target_.stream), Value::string("live")};
      send_command(kCsidStream, stream_id_, encode_command("publish", 0, Value::null(), args));
      return {};
    }
    encoder_.encode(
        control_message(MessageType::UserControl, set_buffer_length_payload(stream_id_, kBufferMs)),
        *out_);
    const Value args[] = {Value::string(target_.stream), Value::number(-1000)};
    send_command(kCsidStream, stream_id_, encode_command("play", 0, Value::null(), args));
    return {};
  }
  if (cmd->name != "onStatus") return {};
  if (field("level") == "error") return refused();
  const std::string_view started =
      target_.publish ? "NetStream.Publish.Start" : "NetStream.Play.Start";
  if (field("code") == started && !playing_) {
    playing_ = true;
    events_->push_back(PlayEvent{PlayEvent::Kind::Started, {}});
  }
  return {};
}

void PlayClient::send_command(std::uint32_t csid, std::uint32_t stream_id,
                              std::vector<std::uint8_t> body) {
  encoder_.encode(
      Message{csid, to_u8(MessageType::CommandAmf0), 0, stream_id, SharedBuffer(std::move(body))},
      *out_);
}

}  // namespace minirtc::rtmp
