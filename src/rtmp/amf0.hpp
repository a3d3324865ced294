#pragma once
// AMF0 (Action Message Format 0), the encoding of RTMP commands and metadata.
//
// Decoding choices (documented because peers differ):
//  - References (0x07) are kept as Value::reference(index); they are not resolved. RTMP peers
//    do not send them in practice.
//  - ECMA arrays: the declared count is only a hint (encoders get it wrong); properties are read
//    up to the object-end marker. A missing end marker at the very end of the input is tolerated
//    (some FLV muxers omit it). Objects and typed objects require the end marker.
//  - An empty property name not followed by the object-end marker is an ordinary property.
//  - AVM+ switch (0x11, "the value that follows is AMF3") is an error: RTMP publishers and
//    players speak AMF0 unless they negotiate objectEncoding 3, which this server never offers.
//    MovieClip (0x04), Unsupported (0x0D) and RecordSet (0x0E) are errors too.
//  - Encoding a string longer than 65535 bytes produces a long string (0x0C); object keys are
//    limited to 65535 bytes (longer keys are cut).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/byte_reader.hpp"
#include "util/result.hpp"

namespace minirtc::rtmp::amf0 {

enum class Marker : std::uint8_t {
  Number = 0x00,
  Boolean = 0x01,
  String = 0x02,
  Object = 0x03,
  MovieClip = 0x04,
  Null = 0x05,
  Undefined = 0x06,
  Reference = 0x07,
  EcmaArray = 0x08,
  ObjectEnd = 0x09,
  StrictArray = 0x0A,
  Date = 0x0B,
  LongString = 0x0C,
  Unsupported = 0x0D,
  RecordSet = 0x0E,
  XmlDocument = 0x0F,
  TypedObject = 0x10,
  AvmPlusSwitch = 0x11,
};

enum class Type : std::uint8_t {
  Number,
  Boolean,
  String,
  Object,
  Null,
  Undefined,
  Reference,
  EcmaArray,
  StrictArray,
  Date,
  LongString,
  XmlDocument,
  TypedObject,
};

const char* to_string(Type t) noexcept;

struct Value;
/// One key/value pair of an object, ECMA array or typed object; order is preserved.
using Property = std::pair<std::string, Value>;

struct Value {
  Value() = default;  // undefined

  static Value number(double v);
  static Value boolean(bool v);
  static Value string(std::string_view s);
  static Value long_string(std::string_view s);
  static Value xml_document(std::string_view s);
  static Value object(std::vector<Property> props);
  static Value ecma_array(std::vector<Property> props);
  static Value typed_object(std::string_view class_name, std::vector<Property> props);
  static Value strict_array(std::vector<Value> items);
  static Value null();
  static Value undefined();
  static Value reference(std::uint16_t index);
  /// Milliseconds since the Unix epoch, and the (reserved, usually 0) timezone offset.
  static Value date(double ms, std::int16_t timezone = 0);

  Type type() const noexcept { return type_; }
  bool is_number() const noexcept { return type_ == Type::Number; }
  bool is_boolean() const noexcept { return type_ == Type::Boolean; }
  /// String, long string (and XML document, which is text too).
  bool is_string() const noexcept {
    return type_ == Type::String || type_ == Type::LongString || type_ == Type::XmlDocument;
  }
  /// Anything with properties: object, ECMA array, typed object.
  bool is_object() const noexcept {
    return type_ == Type::Object || type_ == Type::EcmaArray || type_ == Type::TypedObject;
  }
  bool is_strict_array() const noexcept { return type_ == Type::StrictArray; }
  bool is_null() const noexcept { return type_ == Type::Null; }
  bool is_undefined() const noexcept { return type_ == Type::Undefined; }
  bool is_null_or_undefined() const noexcept { return is_null() || is_undefined(); }
  bool is_reference() const noexcept { return type_ == Type::Reference; }
  bool is_date() const noexcept { return type_ == Type::Date; }

  // Accessors return a neutral value (0, false, "", empty) for a value of another type: check
  // is_x() first where the difference matters.
  double as_number() const noexcept { return is_number() || is_date() ? number_ : 0.0; }
  bool as_boolean() const noexcept { return is_boolean() && boolean_; }
  std::string_view as_string() const noexcept;  // also the class name of a typed object
  std::uint16_t as_reference() const noexcept { return is_reference() ? reference_ : 0; }
  std::int16_t date_timezone() const noexcept { return is_date() ? timezone_ : 0; }
  const std::vector<Property>& properties() const noexcept;  // empty unless is_object()
  const std::vector<Value>& items() const noexcept;          // empty unless strict array
  std::string_view class_name() const noexcept;              // typed objects only

  /// The first property named `key` (objects, ECMA arrays, typed objects), or nullptr.
  const Value* get(std::string_view key) const noexcept;
  /// Typed shortcuts for get(): nullopt when missing or of another type.
  std::optional<std::string_view> get_string(std::string_view key) const noexcept;
  std::optional<double> get_number(std::string_view key) const noexcept;
  std::optional<bool> get_boolean(std::string_view key) const noexcept;

  /// Mutation for builders: appends (or replaces) a property; no-op unless is_object().
  void set(std::string_view key, Value v);

  friend bool operator==(const Value& a, const Value& b);

 private:
  Type type_ = Type::Undefined;
  bool boolean_ = false;
  std::int16_t timezone_ = 0;
  std::uint16_t reference_ = 0;
  double number_ = 0.0;  // number, date
  std::string string_;   // string kinds; class name of a typed object
  std::vector<Property> props_;
  std::vector<Value> items_;
};

struct DecodeLimits {
  std::size_t max_depth = 32;                // nesting of containers
  std::size_t max_elements = 65536;          // properties or items in one container
  std::size_t max_string_length = 1u << 20;  // any one string, long string or XML document
};

/// Decodes one value starting at the reader's position.
Result<Value> decode(ByteReader& reader, const DecodeLimits& limits = {});
/// Decodes values until the input ends (an RTMP command or data message body).
Result<std::vector<Value>> decode_all(std::span<const std::uint8_t> data,
                                      const DecodeLimits& limits = {});

void encode(const Value& v, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode(const Value& v);

}  // namespace minirtc::rtmp::amf0
