// AMF0: exact encodings, round trips of every type, and malformed input.
#include "rtmp/amf0.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace minirtc::rtmp::amf0 {
namespace {

using Bytes = std::vector<std::uint8_t>;

Value decode_one(const Bytes& b) {
  auto r = decode_all(b);
  EXPECT_TRUE(r.ok()) << r.error().reason;
  if (!r.ok() || r->size() != 1) {
    ADD_FAILURE() << "expected one value";
    return Value();
  }
  return (*r)[0];
}

std::string error_of(const Bytes& b, const DecodeLimits& limits = {}) {
  auto r = decode_all(b, limits);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().reason;
}

TEST(Amf0Encode, ExactBytes) {
  EXPECT_EQ(encode(Value::number(1.0)), (Bytes{0x00, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(encode(Value::boolean(true)), (Bytes{0x01, 0x01}));
  EXPECT_EQ(encode(Value::boolean(false)), (Bytes{0x01, 0x00}));
  EXPECT_EQ(encode(Value::string("ab")), (Bytes{0x02, 0x00, 0x02, 'a', 'b'}));
  EXPECT_EQ(encode(Value::null()), (Bytes{0x05}));
  EXPECT_EQ(encode(Value::undefined()), (Bytes{0x06}));
  EXPECT_EQ(encode(Value::reference(0x0102)), (Bytes{0x07, 0x01, 0x02}));
  EXPECT_EQ(encode(Value::object({{"k", Value::boolean(true)}})),
            (Bytes{0x03, 0x00, 0x01, 'k', 0x01, 0x01, 0x00, 0x00, 0x09}));
  EXPECT_EQ(encode(Value::ecma_array({{"k", Value::null()}})),
            (Bytes{0x08, 0, 0, 0, 1, 0x00, 0x01, 'k', 0x05, 0x00, 0x00, 0x09}));
  EXPECT_EQ(encode(Value::strict_array({Value::null(), Value::undefined()})),
            (Bytes{0x0a, 0, 0, 0, 2, 0x05, 0x06}));
  EXPECT_EQ(encode(Value::date(0.0, -60)), (Bytes{0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xc4}));
  EXPECT_EQ(encode(Value::long_string("x")), (Bytes{0x0c, 0, 0, 0, 1, 'x'}));
  EXPECT_EQ(encode(Value::xml_document("<a/>")), (Bytes{0x0f, 0, 0, 0, 4, '<', 'a', '/', '>'}));
  EXPECT_EQ(encode(Value::typed_object("C", {})), (Bytes{0x10, 0x00, 0x01, 'C', 0x00, 0x00, 0x09}));
}

TEST(Amf0Encode, LongStringsPromoted) {
  const std::string big(70000, 'z');
  const Bytes b = encode(Value::string(big));
  EXPECT_EQ(b[0], 0x0c);
  EXPECT_EQ(b.size(), 1u + 4 + 70000);
  const Value v = decode_one(b);
  EXPECT_EQ(v.type(), Type::LongString);
  EXPECT_TRUE(v.is_string());
  EXPECT_EQ(v.as_string(), big);
}

TEST(Amf0RoundTrip, EveryType) {
  const std::vector<Value> values = {
      Value::number(0.0),
      Value::number(-1.5),
      Value::number(1e300),
      Value::number(std::numeric_limits<double>::infinity()),
      Value::boolean(true),
      Value::boolean(false),
      Value::string(""),
      Value::string("héllo"),
      Value::string(std::string("nul\0byte", 8)),
      Value::null(),
      Value::undefined(),
      Value::reference(7),
      Value::date(1700000000000.0, 0),
      Value::date(-1.0, 120),
      Value::long_string("long"),
      Value::xml_document("<x>y</x>"),
      Value::object({}),
      Value::object({{"app", Value::string("live")},
                     {"tcUrl", Value::string("rtmp://h/live")},
                     {"fpad", Value::boolean(false)},
                     {"audioCodecs", Value::number(3575)},
                     {"nested", Value::object({{"a", Value::strict_array({Value::number(1)})}})}}),
      Value::ecma_array({{"duration", Value::number(0)}, {"width", Value::number(1280)}}),
      Value::ecma_array({}),
      Value::strict_array({}),
      Value::strict_array({Value::string("a"), Value::object({{"b", Value::null()}}),
                           Value::ecma_array({{"c", Value::undefined()}})}),
      Value::typed_object("flash.Thing", {{"x", Value::number(2)}}),
  };
  Bytes all;
  for (const auto& v : values) {
    const Bytes b = encode(v);
    EXPECT_EQ(decode_one(b), v) << to_string(v.type());
    encode(v, all);
  }
  auto r = decode_all(all);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(*r, values);
}

TEST(Amf0RoundTrip, NaNStaysNaN) {
  const Value v = decode_one(encode(Value::number(std::nan(""))));
  ASSERT_TRUE(v.is_number());
  EXPECT_TRUE(std::isnan(v.as_number()));
}

TEST(Amf0Value, Accessors) {
  const Value o = Value::object({{"app", Value::string("live")},
                                 {"n", Value::number(3)},
                                 {"b", Value::boolean(true)},
                                 {"app", Value::string("second")}});
  ASSERT_NE(o.get("app"), nullptr);
  EXPECT_EQ(o.get("app")->as_string(), "live") << "first match wins";
  EXPECT_EQ(o.get("missing"), nullptr);
  EXPECT_EQ(o.get_string("app"), "live");
  EXPECT_EQ(o.get_string("n"), std::nullopt);
  EXPECT_EQ(o.get_number("n"), 3.0);
  EXPECT_EQ(o.get_boolean("b"), true);
  EXPECT_EQ(o.get_boolean("n"), std::nullopt);
  EXPECT_TRUE(o.is_object());
  EXPECT_EQ(o.properties().size(), 4u);

  const Value s = Value::string("x");
  EXPECT_EQ(s.get("x"), nullptr);
  EXPECT_EQ(s.as_number(), 0.0);
  EXPECT_FALSE(s.as_boolean());
  EXPECT_TRUE(s.properties().empty());
  EXPECT_TRUE(s.items().empty());
  EXPECT_EQ(Value::number(2).as_string(), "");
  EXPECT_TRUE(Value().is_undefined());
  EXPECT_TRUE(Value::null().is_null_or_undefined());
  EXPECT_EQ(Value::typed_object("Cls", {}).class_name(), "Cls");
  EXPECT_EQ(Value::date(5, 3).date_timezone(), 3);
  EXPECT_EQ(Value::date(5, 3).as_number(), 5.0);
  EXPECT_EQ(Value::reference(9).as_reference(), 9);

  Value m = Value::ecma_array({});
  m.set("a", Value::number(1));
  m.set("b", Value::number(2));
  m.set("a", Value::number(3));
  EXPECT_EQ(m.properties().size(), 2u);
  EXPECT_EQ(m.get_number("a"), 3.0);
  Value n = Value::number(1);
  n.set("a", Value::null());
  EXPECT_TRUE(n.is_number());

  EXPECT_NE(Value::string("a"), Value::long_string("a")) << "type is part of equality";
  EXPECT_NE(Value::object({{"a", Value::null()}}), Value::ecma_array({{"a", Value::null()}}));
}

TEST(Amf0Decode, EcmaArrayTolerance) {
  // Wrong count (says 5, holds 1).
  const Bytes wrong_count = {0x08, 0, 0, 0, 5, 0x00, 0x01, 'k', 0x05, 0x00, 0x00, 0x09};
  EXPECT_EQ(decode_one(wrong_count), Value::ecma_array({{"k", Value::null()}}));
  // Missing end marker at the very end of the input.
  const Bytes no_end = {0x08, 0, 0, 0, 1, 0x00, 0x01, 'k', 0x05};
  EXPECT_EQ(decode_one(no_end), Value::ecma_array({{"k", Value::null()}}));
  const Bytes half_end = {0x08, 0, 0, 0, 1, 0x00, 0x01, 'k', 0x05, 0x00, 0x00};
  EXPECT_EQ(decode_one(half_end), Value::ecma_array({{"k", Value::null()}}));
}

TEST(Amf0Decode, EmptyKeyProperty) {
  const Bytes b = {0x03, 0x00, 0x00, 0x05, 0x00, 0x00, 0x09};
  EXPECT_EQ(decode_one(b), Value::object({{"", Value::null()}}));
}

TEST(Amf0Decode, DecodeFromReaderStopsAfterOneValue) {
  Bytes b = encode(Value::string("a"));
  encode(Value::number(2), b);
  ByteReader r(b);
  auto v = decode(r);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, Value::string("a"));
  EXPECT_EQ(r.remaining(), 9u);
}

TEST(Amf0Malformed, EveryTruncationFails) {
  const Value v =
      Value::object({{"a", Value::number(1)},
                     {"s", Value::string("text")},
                     {"l", Value::long_string("long")},
                     {"d", Value::date(1, 2)},
                     {"arr", Value::strict_array({Value::boolean(true), Value::reference(1)})},
                     {"e", Value::ecma_array({{"x", Value::null()}})},
                     {"t", Value::typed_object("T", {{"y", Value::xml_document("<z/>")}})}});
  const Bytes b = encode(v);
  EXPECT_EQ(decode_one(b), v);
  for (std::size_t n = 1; n < b.size(); ++n) {
    const Bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = decode_all(prefix);
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes";
    if (!r.ok()) {
      EXPECT_NE(r.error().reason.find("amf0:"), std::string::npos);
    }
  }
}

TEST(Amf0Malformed, BadMarkers) {
  for (std::uint8_t m : {0x04, 0x09, 0x0d, 0x0e, 0x12, 0x7f, 0xff}) {
    EXPECT_FALSE(decode_all(Bytes{m, 0, 0, 0, 0}).ok()) << int(m);
  }
  EXPECT_NE(error_of(Bytes{0x11, 0x06}).find("AMF3"), std::string::npos);
  // Bad marker nested inside an object.
  EXPECT_FALSE(decode_all(Bytes{0x03, 0x00, 0x01, 'k', 0x0d, 0x00, 0x00, 0x09}).ok());
}

TEST(Amf0Malformed, TooDeep) {
  auto nested = [](std::size_t depth, bool arrays) {
    Value v = Value::null();
    for (std::size_t i = 0; i < depth; ++i) {
      v = arrays ? Value::strict_array({v}) : Value::object({{"k", v}});
    }
    return encode(v);
  };
  for (bool arrays : {false, true}) {
    EXPECT_TRUE(decode_all(nested(32, arrays)).ok());
    EXPECT_NE(error_of(nested(33, arrays)).find("deeper"), std::string::npos);
    DecodeLimits shallow;
    shallow.max_depth = 2;
    EXPECT_TRUE(decode_all(nested(2, arrays), shallow).ok());
    EXPECT_FALSE(decode_all(nested(3, arrays), shallow).ok());
  }
  // 100000 nested object markers: rejected without deep recursion.
  Bytes deep;
  for (int i = 0; i < 100000; ++i) deep.insert(deep.end(), {0x03, 0x00, 0x01, 'k'});
  EXPECT_FALSE(decode_all(deep).ok());
  Bytes deep_arr;
  for (int i = 0; i < 100000; ++i) deep_arr.insert(deep_arr.end(), {0x0a, 0, 0, 0, 1});
  EXPECT_FALSE(decode_all(deep_arr).ok());
}

TEST(Amf0Malformed, HugeDeclaredLengths) {
  EXPECT_FALSE(decode_all(Bytes{0x0c, 0xff, 0xff, 0xff, 0xff, 'a'}).ok());
  EXPECT_FALSE(decode_all(Bytes{0x0f, 0xff, 0xff, 0xff, 0xff, 'a'}).ok());
  EXPECT_FALSE(decode_all(Bytes{0x02, 0xff, 0xff, 'a'}).ok());
  EXPECT_FALSE(decode_all(Bytes{0x0a, 0xff, 0xff, 0xff, 0xff, 0x05}).ok());
  EXPECT_FALSE(decode_all(Bytes{0x0a, 0x00, 0x00, 0x10, 0x00, 0x05}).ok());  // 4096 > input
  EXPECT_TRUE(decode_all(Bytes{0x08, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x09}).ok())
      << "the ECMA count is only a hint";
}

TEST(Amf0Malformed, Limits) {
  DecodeLimits limits;
  limits.max_string_length = 4;
  EXPECT_TRUE(decode_all(encode(Value::string("abcd")), limits).ok());
  EXPECT_NE(error_of(encode(Value::string("abcde")), limits).find("limit"), std::string::npos);
  EXPECT_FALSE(decode_all(encode(Value::long_string("abcde")), limits).ok());
  EXPECT_FALSE(decode_all(encode(Value::object({{"abcde", Value::null()}})), limits).ok());

  limits = {};
  limits.max_elements = 3;
  std::vector<Value> items(3, Value::null());
  EXPECT_TRUE(decode_all(encode(Value::strict_array(items)), limits).ok());
  items.push_back(Value::null());
  EXPECT_FALSE(decode_all(encode(Value::strict_array(items)), limits).ok());
  std::vector<Property> props;
  for (int i = 0; i < 3; ++i) props.emplace_back(std::to_string(i), Value::null());
  EXPECT_TRUE(decode_all(encode(Value::object(props)), limits).ok());
  EXPECT_TRUE(decode_all(encode(Value::ecma_array(props)), limits).ok());
  props.emplace_back("3", Value::null());
  EXPECT_FALSE(decode_all(encode(Value::object(props)), limits).ok());
  EXPECT_FALSE(decode_all(encode(Value::ecma_array(props)), limits).ok());
  EXPECT_FALSE(decode_all(encode(Value::typed_object("T", props)), limits).ok());
}

TEST(Amf0Malformed, EmptyInputDecodesToNothing) {
  auto r = decode_all({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  ByteReader reader({});
  EXPECT_FALSE(decode(reader).ok());
}

}  // namespace
}  // namespace minirtc::rtmp::amf0
