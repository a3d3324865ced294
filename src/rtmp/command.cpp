#include "rtmp/command.hpp"

namespace minirtc::rtmp {

namespace {

/// The AMF0 body of a command or data message; skips the format byte of the AMF3 types.
std::span<const std::uint8_t> amf0_body(const Message& m) {
  auto body = m.payload.span();
  const bool amf3_type =
      m.type == to_u8(MessageType::CommandAmf3) || m.type == to_u8(MessageType::DataAmf3);
  if (amf3_type && !body.empty() && body[0] == 0x00) body = body.subspan(1);
  return body;
}

}  // namespace

Result<Command> parse_command(const Message& m, const amf0::DecodeLimits& limits) {
  if (m.type != to_u8(MessageType::CommandAmf0) && m.type != to_u8(MessageType::CommandAmf3)) {
    return make_error("rtmp command: message type " + std::to_string(m.type) + " is not a command");
  }
  auto values = amf0::decode_all(amf0_body(m), limits);
  if (!values) return make_error("rtmp command: " + values.error().reason);
  auto& v = *values;
  if (v.empty() || !v[0].is_string()) return make_error("rtmp command: name is not a string");
  Command c;
  c.name = std::string(v[0].as_string());
  std::size_t next = 1;
  if (v.size() > next) {
    // Some clients send a null here for calls that expect no reply; treat that as 0.
    if (!v[next].is_number() && !v[next].is_null_or_undefined()) {
      return make_error("rtmp command '" + c.name + "': transaction id is not a number");
    }
    c.transaction_id = v[next].as_number();
    ++next;
  }
  c.object = amf0::Value::null();
  if (v.size() > next) c.object = std::move(v[next++]);
  for (; next < v.size(); ++next) c.args.push_back(std::move(v[next]));
  return c;
}

std::vector<std::uint8_t> encode_command(std::string_view name, double txid,
                                         const amf0::Value& object,
                                         std::span<const amf0::Value> args) {
  std::vector<std::uint8_t> out;
  amf0::encode(amf0::Value::string(name), out);
  amf0::encode(amf0::Value::number(txid), out);
  amf0::encode(object, out);
  for (const auto& a : args) amf0::encode(a, out);
  return out;
}

amf0::Value status_info(std::string_view level, std::string_view code,
                        std::string_view description) {
  return amf0::Value::object({{"level", amf0::Value::string(level)},
                              {"code", amf0::Value::string(code)},
                              {"description", amf0::Value::string(description)}});
}

std::vector<std::uint8_t> on_status(std::string_view level, std::string_view code,
                                    std::string_view description,
                                    std::span<const amf0::Property> extra) {
  amf0::Value info = status_info(level, code, description);
  for (const auto& [k, v] : extra) info.set(k, v);
  const amf0::Value args[] = {info};
  return encode_command("onStatus", 0, amf0::Value::null(), args);
}

std::vector<std::uint8_t> connect_result(double txid, double object_encoding) {
  const amf0::Value properties = amf0::Value::object({
      {"fmsVer", amf0::Value::string("FMS/3,0,1,123")},
      {"capabilities", amf0::Value::number(31)},
      {"mode", amf0::Value::number(1)},
  });
  const amf0::Value info[] = {amf0::Value::object({
      {"level", amf0::Value::string("status")},
      {"code", amf0::Value::string("NetConnection.Connect.Success")},
      {"description", amf0::Value::string("Connection succeeded.")},
      {"objectEncoding", amf0::Value::number(object_encoding)},
  })};
  return encode_command("_result", txid, properties, info);
}

std::vector<std::uint8_t> result(double txid, const amf0::Value& value) {
  return encode_command("_result", txid, amf0::Value::null(), std::span(&value, 1));
}

std::vector<std::uint8_t> error(double txid, const amf0::Value& info) {
  return encode_command("_error", txid, amf0::Value::null(), std::span(&info, 1));
}

const amf0::Value* DataMessage::metadata() const noexcept {
  // "@setDataFrame" "onMetaData" {..}  or  "onMetaData" {..}
  std::size_t i = 0;
  if (name == "@setDataFrame") {
    if (values.empty() || values[0].as_string() != "onMetaData") return nullptr;
    i = 1;
  } else if (name != "onMetaData") {
    return nullptr;
  }
  if (values.size() <= i || !values[i].is_object()) return nullptr;
  return &values[i];
}

Result<DataMessage> parse_data(const Message& m, const amf0::DecodeLimits& limits) {
  if (m.type != to_u8(MessageType::DataAmf0) && m.type != to_u8(MessageType::DataAmf3)) {
    return make_error("rtmp data: message type " + std::to_string(m.type) +
                      " is not a data message");
  }
  auto values = amf0::decode_all(amf0_body(m), limits);
  if (!values) return make_error("rtmp data: " + values.error().reason);
  auto& v = *values;
  if (v.empty() || !v[0].is_string()) return make_error("rtmp data: handler name is not a string");
  DataMessage d;
  d.name = std::string(v[0].as_string());
  for (std::size_t i = 1; i < v.size(); ++i) d.values.push_back(std::move(v[i]));
  return d;
}

std::vector<std::uint8_t> on_metadata_payload(const amf0::Value& metadata) {
  std::vector<std::uint8_t> out;
  amf0::encode(amf0::Value::string("onMetaData"), out);
  amf0::encode(metadata, out);
  return out;
}

std::vector<std::uint8_t> sample_access_payload() {
  std::vector<std::uint8_t> out;
  amf0::encode(amf0::Value::string("|RtmpSampleAccess"), out);
  amf0::encode(amf0::Value::boolean(true), out);
  amf0::encode(amf0::Value::boolean(true), out);
  return out;
}

std::vector<std::uint8_t> connect_command(double txid, std::string_view app,
                                          std::string_view tc_url) {
  using amf0::Value;
  std::vector<amf0::Property> props{{"app", Value::string(app)},
                                    {"type", Value::string("nonprivate")},
                                    {"flashVer", Value::string("LNX 9,0,124,2")},
                                    {"tcUrl", Value::string(tc_url)},
                                    {"fpad", Value::boolean(false)},
                                    {"capabilities", Value::number(15)},
                                    {"audioCodecs", Value::number(4071)},
                                    {"videoCodecs", Value::number(252)},
                                    {"videoFunction", Value::number(1)}};
  return encode_command("connect", txid, Value::object(std::move(props)));
}

}  // namespace minirtc::rtmp
