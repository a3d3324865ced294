#include "rtmp/amf0.hpp"

#include <algorithm>
#include <bit>
#include <limits>

#include "util/byte_writer.hpp"

namespace minirtc::rtmp::amf0 {

const char* to_string(Type t) noexcept {
  switch (t) {
    case Type::Number:
      return "number";
    case Type::Boolean:
      return "boolean";
    case Type::String:
      return "string";
    case Type::Object:
      return "object";
    case Type::Null:
      return "null";
    case Type::Undefined:
      return "undefined";
    case Type::Reference:
      return "reference";
    case Type::EcmaArray:
      return "ecma-array";
    case Type::StrictArray:
      return "strict-array";
    case Type::Date:
      return "date";
    case Type::LongString:
      return "long-string";
    case Type::XmlDocument:
      return "xml-document";
    case Type::TypedObject:
      return "typed-object";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Value

Value Value::number(double v) {
  Value r;
  r.type_ = Type::Number;
  r.number_ = v;
  return r;
}
Value Value::boolean(bool v) {
  Value r;
  r.type_ = Type::Boolean;
  r.boolean_ = v;
  return r;
}
Value Value::string(std::string_view s) {
  Value r;
  r.type_ = Type::String;
  r.string_ = s;
  return r;
}
Value Value::long_string(std::string_view s) {
  Value r;
  r.type_ = Type::LongString;
  r.string_ = s;
  return r;
}
Value Value::xml_document(std::string_view s) {
  Value r;
  r.type_ = Type::XmlDocument;
  r.string_ = s;
  return r;
}
Value Value::object(std::vector<Property> props) {
  Value r;
  r.type_ = Type::Object;
  r.props_ = std::move(props);
  return r;
}
Value Value::ecma_array(std::vector<Property> props) {
  Value r;
  r.type_ = Type::EcmaArray;
  r.props_ = std::move(props);
  return r;
}
Value Value::typed_object(std::string_view class_name, std::vector<Property> props) {
  Value r;
  r.type_ = Type::TypedObject;
  r.string_ = class_name;
  r.props_ = std::move(props);
  return r;
}
Value Value::strict_array(std::vector<Value> items) {
  Value r;
  r.type_ = Type::StrictArray;
  r.items_ = std::move(items);
  return r;
}
Value Value::null() {
  Value r;
  r.type_ = Type::Null;
  return r;
}
Value Value::undefined() {
  return Value();
}
Value Value::reference(std::uint16_t index) {
  Value r;
  r.type_ = Type::Reference;
  r.reference_ = index;
  return r;
}
Value Value::date(double ms, std::int16_t timezone) {
  Value r;
  r.type_ = Type::Date;
  r.number_ = ms;
  r.timezone_ = timezone;
  return r;
}

std::string_view Value::as_string() const noexcept {
  return is_string() || type_ == Type::TypedObject ? std::string_view(string_) : std::string_view();
}

const std::vector<Property>& Value::properties() const noexcept {
  static const std::vector<Property> kEmpty;
  return is_object() ? props_ : kEmpty;
}

const std::vector<Value>& Value::items() const noexcept {
  static const std::vector<Value> kEmpty;
  return is_strict_array() ? items_ : kEmpty;
}

std::string_view Value::class_name() const noexcept {
  return type_ == Type::TypedObject ? std::string_view(string_) : std::string_view();
}

const Value* Value::get(std::string_view key) const noexcept {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : props_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::optional<std::string_view> Value::get_string(std::string_view key) const noexcept {
  const Value* v = get(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->as_string();
}

std::optional<double> Value::get_number(std::string_view key) const noexcept {
  const Value* v = get(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->as_number();
}

std::optional<bool> Value::get_boolean(std::string_view key) const noexcept {
  const Value* v = get(key);
  if (v == nullptr || !v->is_boolean()) return std::nullopt;
  return v->as_boolean();
}

void Value::set(std::string_view key, Value v) {
  if (!is_object()) return;
  for (auto& [k, old] : props_) {
    if (k == key) {
      old = std::move(v);
      return;
    }
  }
  props_.emplace_back(std::string(key), std::move(v));
}

bool operator==(const Value& a, const Value& b) {
  if (a.type_ != b.type_) return false;
  switch (a.type_) {
    case Type::Number:
      return a.number_ == b.number_;
    case Type::Boolean:
      return a.boolean_ == b.boolean_;
    case Type::String:
    case Type::LongString:
    case Type::XmlDocument:
      return a.string_ == b.string_;
    case Type::Object:
    case Type::EcmaArray:
      return a.props_ == b.props_;
    case Type::TypedObject:
      return a.string_ == b.string_ && a.props_ == b.props_;
    case Type::StrictArray:
      return a.items_ == b.items_;
    case Type::Reference:
      return a.reference_ == b.reference_;
    case Type::Date:
      return a.number_ == b.number_ && a.timezone_ == b.timezone_;
    case Type::Null:
    case Type::Undefined:
      return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Decoding

namespace {

class Decoder {
 public:
  Decoder(ByteReader& r, const DecodeLimits& limits) : r_(r), limits_(limits) {}

  Result<Value> value(std::size_t depth) {
    const auto at = r_.position();
    const auto marker = r_.u8();
    if (!marker) return error("truncated: value marker missing", at);
    switch (static_cast<Marker>(*marker)) {
      case Marker::Number: {
        const auto bits = r_.u64be();
        if (!bits) return error("truncated number", at);
        return Value::number(std::bit_cast<double>(*bits));
      }
      case Marker::Boolean: {
        const auto b = r_.u8();
        if (!b) return error("truncated boolean", at);
        return Value::boolean(*b != 0);
      }
      case Marker::String: {
        auto s = short_string(at);
        if (!s) return s.error();
        return Value::string(*s);
      }
      case Marker::LongString:
      case Marker::XmlDocument: {
        const auto len = r_.u32be();
        if (!len) return error("truncated long string length", at);
        if (*len > limits_.max_string_length) {
          return error("long string of " + std::to_string(*len) + " bytes exceeds limit", at);
        }
        const auto s = r_.string(*len);
        if (!s) return error("truncated long string", at);
        return static_cast<Marker>(*marker) == Marker::LongString ? Value::long_string(*s)
                                                                  : Value::xml_document(*s);
      }
      case Marker::Null:
        return Value::null();
      case Marker::Undefined:
        return Value::undefined();
      case Marker::Reference: {
        const auto idx = r_.u16be();
        if (!idx) return error("truncated reference", at);
        return Value::reference(*idx);
      }
      case Marker::Date: {
        const auto bits = r_.u64be();
        const auto tz = r_.u16be();
        if (!bits || !tz) return error("truncated date", at);
        return Value::date(std::bit_cast<double>(*bits), static_cast<std::int16_t>(*tz));
      }
      case Marker::Object: {
        if (depth >= limits_.max_depth) return error("nesting deeper than limit", at);
        auto props = properties(depth + 1, /*lenient_end=*/false);
        if (!props) return props.error();
        return Value::object(std::move(*props));
      }
      case Marker::EcmaArray: {
        if (depth >= limits_.max_depth) return error("nesting deeper than limit", at);
        if (!r_.u32be()) return error("truncated ECMA array count", at);
        auto props = properties(depth + 1, /*lenient_end=*/true);
        if (!props) return props.error();
        return Value::ecma_array(std::move(*props));
      }
      case Marker::TypedObject: {
        if (depth >= limits_.max_depth) return error("nesting deeper than limit", at);
        auto name = short_string(at);
        if (!name) return name.error();
        auto props = properties(depth + 1, /*lenient_end=*/false);
        if (!props) return props.error();
        return Value::typed_object(*name, std::move(*props));
      }
      case Marker::StrictArray: {
        if (depth >= limits_.max_depth) return error("nesting deeper than limit", at);
        const auto count = r_.u32be();
        if (!count) return error("truncated strict array count", at);
        if (*count > limits_.max_elements) {
          return error("strict array of " + std::to_string(*count) + " items exceeds limit", at);
        }
        // Each item takes at least one byte: never reserve more than the input could hold.
        if (*count > r_.remaining()) return error("truncated strict array", at);
        std::vector<Value> items;
        items.reserve(*count);
        for (std::uint32_t i = 0; i < *count; ++i) {
          auto v = value(depth + 1);
          if (!v) return v.error();
          items.push_back(std::move(*v));
        }
        return Value::strict_array(std::move(items));
      }
      case Marker::AvmPlusSwitch:
        return error("AMF3 value (AVM+ switch marker 0x11) not supported", at);
      case Marker::ObjectEnd:
        return error("object-end marker outside an object", at);
      case Marker::MovieClip:
      case Marker::Unsupported:
      case Marker::RecordSet:
        break;
    }
    return error("unsupported marker " + std::to_string(*marker), at);
  }

 private:
  Error error(std::string what, std::size_t at) const {
    return make_error("amf0: " + what + " at byte " + std::to_string(at));
  }

  Result<std::string_view> short_string(std::size_t at) {
    const auto len = r_.u16be();
    if (!len) return error("truncated string length", at);
    if (*len > limits_.max_string_length) return error("string exceeds limit", at);
    const auto s = r_.string(*len);
    if (!s) return error("truncated string", at);
    return *s;
  }

  // Properties up to the object-end marker (empty name + 0x09).
  Result<std::vector<Property>> properties(std::size_t depth, bool lenient_end) {
    std::vector<Property> props;
    for (;;) {
      const auto at = r_.position();
      if (lenient_end && r_.empty()) return props;
      auto key = short_string(at);
      if (!key) return key.error();
      if (key->empty()) {
        const auto rest = r_.rest();
        if (rest.empty()) {
          if (lenient_end) return props;
          return error("truncated: object-end marker missing", at);
        }
        if (rest[0] == static_cast<std::uint8_t>(Marker::ObjectEnd)) {
          (void)r_.skip(1);
          return props;
        }
      }
      if (props.size() >= limits_.max_elements) {
        return error("object with more than " + std::to_string(limits_.max_elements) +
                         " properties exceeds limit",
                     at);
      }
      auto v = value(depth);
      if (!v) return v.error();
      props.emplace_back(std::string(*key), std::move(*v));
    }
  }

  ByteReader& r_;
  const DecodeLimits& limits_;
};

}  // namespace

Result<Value> decode(ByteReader& reader, const DecodeLimits& limits) {
  return Decoder(reader, limits).value(0);
}

Result<std::vector<Value>> decode_all(std::span<const std::uint8_t> data,
                                      const DecodeLimits& limits) {
  ByteReader r(data);
  std::vector<Value> values;
  while (!r.empty()) {
    auto v = decode(r, limits);
    if (!v) return v.error();
    values.push_back(std::move(*v));
  }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Encoding

namespace {

void put_marker(ByteWriter& w, Marker m) {
  w.u8(static_cast<std::uint8_t>(m));
}

void put_short_string(ByteWriter& w, std::string_view s) {
  s = s.substr(0, std::numeric_limits<std::uint16_t>::max());
  w.u16be(static_cast<std::uint16_t>(s.size()));
  w.string(s);
}

void put_long_string(ByteWriter& w, std::string_view s) {
  s = s.substr(0, std::numeric_limits<std::uint32_t>::max());
  w.u32be(static_cast<std::uint32_t>(s.size()));
  w.string(s);
}

void encode_into(ByteWriter& w, const Value& v);

void put_properties(ByteWriter& w, const std::vector<Property>& props) {
  for (const auto& [k, val] : props) {
    put_short_string(w, k);
    encode_into(w, val);
  }
  w.u16be(0);
  put_marker(w, Marker::ObjectEnd);
}

void encode_into(ByteWriter& w, const Value& v) {
  switch (v.type()) {
    case Type::Number:
      put_marker(w, Marker::Number);
      w.u64be(std::bit_cast<std::uint64_t>(v.as_number()));
      return;
    case Type::Boolean:
      put_marker(w, Marker::Boolean);
      w.u8(v.as_boolean() ? 1 : 0);
      return;
    case Type::String:
      if (v.as_string().size() > std::numeric_limits<std::uint16_t>::max()) {
        put_marker(w, Marker::LongString);
        put_long_string(w, v.as_string());
      } else {
        put_marker(w, Marker::String);
        put_short_string(w, v.as_string());
      }
      return;
    case Type::LongString:
      put_marker(w, Marker::LongString);
      put_long_string(w, v.as_string());
      return;
    case Type::XmlDocument:
      put_marker(w, Marker::XmlDocument);
      put_long_string(w, v.as_string());
      return;
    case Type::Object:
      put_marker(w, Marker::Object);
      put_properties(w, v.properties());
      return;
    case Type::EcmaArray:
      put_marker(w, Marker::EcmaArray);
      w.u32be(static_cast<std::uint32_t>(v.properties().size()));
      put_properties(w, v.properties());
      return;
    case Type::TypedObject:
      put_marker(w, Marker::TypedObject);
      put_short_string(w, v.class_name());
      put_properties(w, v.properties());
      return;
    case Type::StrictArray:
      put_marker(w, Marker::StrictArray);
      w.u32be(static_cast<std::uint32_t>(v.items().size()));
      for (const auto& item : v.items()) encode_into(w, item);
      return;
    case Type::Null:
      put_marker(w, Marker::Null);
      return;
    case Type::Undefined:
      put_marker(w, Marker::Undefined);
      return;
    case Type::Reference:
      put_marker(w, Marker::Reference);
      w.u16be(v.as_reference());
      return;
    case Type::Date:
      put_marker(w, Marker::Date);
      w.u64be(std::bit_cast<std::uint64_t>(v.as_number()));
      w.u16be(static_cast<std::uint16_t>(v.date_timezone()));
      return;
  }
}

}  // namespace

void encode(const Value& v, std::vector<std::uint8_t>& out) {
  ByteWriter w(out);
  encode_into(w, v);
}

std::vector<std::uint8_t> encode(const Value& v) {
  std::vector<std::uint8_t> out;
  encode(v, out);
  return out;
}

}  // namespace minirtc::rtmp::amf0
