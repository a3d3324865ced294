// Commands and data messages: parsing what clients send and decoding what we build.
#include "rtmp/command.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace minirtc::rtmp {
namespace {

using Bytes = std::vector<std::uint8_t>;
using amf0::Value;

Message msg(MessageType type, Bytes payload) {
  Message m;
  m.csid = 3;
  m.type = to_u8(type);
  m.payload = SharedBuffer(std::move(payload));
  return m;
}

std::vector<Value> values_of(const Bytes& b) {
  auto r = amf0::decode_all(b);
  EXPECT_TRUE(r.ok()) << r.error().reason;
  return r.ok() ? *r : std::vector<Value>{};
}

TEST(Command, ParsesConnect) {
  const Value obj = Value::object({{"app", Value::string("live")},
                                   {"tcUrl", Value::string("rtmp://127.0.0.1:1935/live")},
                                   {"objectEncoding", Value::number(0)}});
  const Bytes body = encode_command("connect", 1, obj);
  auto c = parse_command(msg(MessageType::CommandAmf0, body));
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(c->name, "connect");
  EXPECT_EQ(c->transaction_id, 1.0);
  EXPECT_EQ(c->object, obj);
  EXPECT_EQ(c->object.get_string("app"), "live");
  EXPECT_TRUE(c->args.empty());
}

TEST(Command, ParsesPublishWithArgs) {
  const Value args[] = {Value::string("key?a=publish&s=abc"), Value::string("live")};
  const Bytes body = encode_command("publish", 5, Value::null(), args);
  auto c = parse_command(msg(MessageType::CommandAmf0, body));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->name, "publish");
  EXPECT_EQ(c->transaction_id, 5.0);
  EXPECT_TRUE(c->object.is_null());
  ASSERT_EQ(c->args.size(), 2u);
  EXPECT_EQ(c->args[0].as_string(), "key?a=publish&s=abc");
  EXPECT_EQ(c->args[1].as_string(), "live");
}

TEST(Command, Amf3CommandSkipsFormatByte) {
  Bytes body = {0x00};
  const Bytes amf0 =
      encode_command("play", 4, Value::null(), std::vector<Value>{Value::string("k")});
  body.insert(body.end(), amf0.begin(), amf0.end());
  auto c = parse_command(msg(MessageType::CommandAmf3, body));
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(c->name, "play");
  EXPECT_EQ(c->transaction_id, 4.0);
  ASSERT_EQ(c->args.size(), 1u);
  // Without the selector byte it parses too.
  auto c2 = parse_command(msg(MessageType::CommandAmf3, amf0));
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->name, "play");
}

TEST(Command, ShortCommands) {
  Bytes only_name;
  amf0::encode(Value::string("FCUnpublish"), only_name);
  auto c = parse_command(msg(MessageType::CommandAmf0, only_name));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->transaction_id, 0.0);
  EXPECT_TRUE(c->object.is_null());
  Bytes null_txid = only_name;
  amf0::encode(Value::null(), null_txid);
  EXPECT_TRUE(parse_command(msg(MessageType::CommandAmf0, null_txid)).ok());
}

TEST(Command, Rejects) {
  EXPECT_FALSE(
      parse_command(msg(MessageType::DataAmf0, encode_command("x", 1, Value::null()))).ok());
  EXPECT_FALSE(parse_command(msg(MessageType::CommandAmf0, {})).ok());
  Bytes num_first;
  amf0::encode(Value::number(1), num_first);
  EXPECT_NE(parse_command(msg(MessageType::CommandAmf0, num_first)).error().reason.find("name"),
            std::string::npos);
  Bytes bad_txid;
  amf0::encode(Value::string("connect"), bad_txid);
  amf0::encode(Value::string("1"), bad_txid);
  EXPECT_FALSE(parse_command(msg(MessageType::CommandAmf0, bad_txid)).ok());
  Bytes truncated = encode_command("connect", 1, Value::object({{"app", Value::string("x")}}));
  truncated.pop_back();
  auto r = parse_command(msg(MessageType::CommandAmf0, truncated));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("amf0"), std::string::npos);
}

TEST(CommandBuilders, OnStatus) {
  const Bytes body = on_status("status", "NetStream.Publish.Start", "Start publishing.");
  const auto v = values_of(body);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], Value::string("onStatus"));
  EXPECT_EQ(v[1], Value::number(0));
  EXPECT_TRUE(v[2].is_null());
  EXPECT_EQ(v[3], Value::object({{"level", Value::string("status")},
                                 {"code", Value::string("NetStream.Publish.Start")},
                                 {"description", Value::string("Start publishing.")}}));
  const amf0::Property extra[] = {{"details", Value::string("key")},
                                  {"clientid", Value::number(1)}};
  const auto v2 = values_of(on_status("error", "NetStream.Publish.BadName", "no", extra));
  ASSERT_EQ(v2.size(), 4u);
  EXPECT_EQ(v2[3].get_string("level"), "error");
  EXPECT_EQ(v2[3].get_string("details"), "key");
  EXPECT_EQ(v2[3].get_number("clientid"), 1.0);
  // Parses back as a command.
  auto c = parse_command(msg(MessageType::CommandAmf0, body));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->name, "onStatus");
}

TEST(CommandBuilders, ConnectResult) {
  const auto v = values_of(connect_result(1, 0));
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].as_string(), "_result");
  EXPECT_EQ(v[1].as_number(), 1.0);
  EXPECT_EQ(v[2].get_string("fmsVer"), "FMS/3,0,1,123");
  EXPECT_EQ(v[2].get_number("capabilities"), 31.0);
  EXPECT_EQ(v[2].get_number("mode"), 1.0);
  EXPECT_EQ(v[3].get_string("level"), "status");
  EXPECT_EQ(v[3].get_string("code"), "NetConnection.Connect.Success");
  EXPECT_TRUE(v[3].get_string("description").has_value());
  EXPECT_EQ(v[3].get_number("objectEncoding"), 0.0);
  EXPECT_EQ(values_of(connect_result(1, 3))[3].get_number("objectEncoding"), 3.0);
}

TEST(CommandBuilders, ResultAndError) {
  const auto r = values_of(result(4, Value::number(1)));
  EXPECT_EQ(r, (std::vector<Value>{Value::string("_result"), Value::number(4), Value::null(),
                                   Value::number(1)}));
  const Value info = status_info("error", "NetConnection.Call.Failed", "nope");
  const auto e = values_of(error(7, info));
  EXPECT_EQ(e,
            (std::vector<Value>{Value::string("_error"), Value::number(7), Value::null(), info}));
}

TEST(DataMessages, SetDataFrameMetadata) {
  const Value meta = Value::ecma_array({{"width", Value::number(1280)},
                                        {"height", Value::number(720)},
                                        {"videocodecid", Value::number(7)}});
  Bytes body;
  amf0::encode(Value::string("@setDataFrame"), body);
  amf0::encode(Value::string("onMetaData"), body);
  amf0::encode(meta, body);
  auto d = parse_data(msg(MessageType::DataAmf0, body));
  ASSERT_TRUE(d.ok()) << d.error().reason;
  EXPECT_EQ(d->name, "@setDataFrame");
  ASSERT_NE(d->metadata(), nullptr);
  EXPECT_EQ(*d->metadata(), meta);

  // What players get: onMetaData without the wrapper, parseable as a data message itself.
  const Bytes out = on_metadata_payload(*d->metadata());
  EXPECT_EQ(values_of(out), (std::vector<Value>{Value::string("onMetaData"), meta}));
  auto d2 = parse_data(msg(MessageType::DataAmf0, out));
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(d2->name, "onMetaData");
  ASSERT_NE(d2->metadata(), nullptr);
  EXPECT_EQ(*d2->metadata(), meta);

  // AMF3 data message type with the selector byte.
  Bytes amf3 = {0x00};
  amf3.insert(amf3.end(), body.begin(), body.end());
  auto d3 = parse_data(msg(MessageType::DataAmf3, amf3));
  ASSERT_TRUE(d3.ok());
  ASSERT_NE(d3->metadata(), nullptr);
}

TEST(DataMessages, NonMetadataAndErrors) {
  Bytes other;
  amf0::encode(Value::string("onTextData"), other);
  amf0::encode(Value::object({{"text", Value::string("hi")}}), other);
  auto d = parse_data(msg(MessageType::DataAmf0, other));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->metadata(), nullptr);
  ASSERT_EQ(d->values.size(), 1u);

  Bytes wrapper_only;
  amf0::encode(Value::string("@setDataFrame"), wrapper_only);
  amf0::encode(Value::string("onMetaData"), wrapper_only);
  auto w = parse_data(msg(MessageType::DataAmf0, wrapper_only));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->metadata(), nullptr);

  EXPECT_FALSE(parse_data(msg(MessageType::CommandAmf0, other)).ok());
  EXPECT_FALSE(parse_data(msg(MessageType::DataAmf0, {})).ok());
  EXPECT_FALSE(parse_data(msg(MessageType::DataAmf0, {0x05})).ok());
  EXPECT_FALSE(parse_data(msg(MessageType::DataAmf0, {0x02, 0x00})).ok());
}

TEST(DataMessages, SampleAccess) {
  const Bytes expect = {0x02, 0x00, 0x11, '|', 'R', 't', 'm', 'p', 'S',  'a',  'm',  'p',
                        'l',  'e',  'A',  'c', 'c', 'e', 's', 's', 0x01, 0x01, 0x01, 0x01};
  EXPECT_EQ(sample_access_payload(), expect);
}

}  // namespace
}  // namespace minirtc::rtmp
