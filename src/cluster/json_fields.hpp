#pragma once
// Strict reading of the cluster's JSON records (internal to cluster/): the text must be one
// object within a size limit; every field read must be present with its type and bounds; a
// field nobody read is an error. The first problem found is the one reported, prefixed with what
// was being read. Records come from Redis, which other nodes (or anyone with its password)
// write, so they are treated as untrusted input.

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "util/result.hpp"

namespace minirtc::cluster {

class Fields {
 public:
  Fields(std::string_view text, std::size_t max_bytes, std::string what) : what_(std::move(what)) {
    if (text.size() > max_bytes) {
      fail("longer than " + std::to_string(max_bytes) + " bytes");
      return;
    }
    boost::system::error_code ec;
    boost::json::parse_options opts;
    opts.max_depth = 8;
    auto v = boost::json::parse(text, ec, {}, opts);
    if (ec)
      fail("not JSON: " + ec.message());
    else if (!v.is_object())
      fail("not a JSON object");
    else
      obj_ = std::move(v.as_object());
  }
  /// A nested object (e.g. an array element), read with the same rules.
  Fields(const boost::json::value& v, std::string what) : what_(std::move(what)) {
    if (!v.is_object())
      fail("not a JSON object");
    else
      obj_ = v.as_object();
  }

  const boost::json::value* raw(std::string_view key) {
    if (error_) return nullptr;
    read_.insert(std::string(key));
    auto* v = obj_.if_contains(key);
    if (!v) fail(std::string(key) + " missing");
    return v;
  }

  void string(std::string_view key, std::string& out, std::size_t max_len) {
    auto* v = raw(key);
    if (!v) return;
    if (!v->is_string() || v->as_string().size() > max_len)
      return fail(std::string(key) + " is not a string of at most " + std::to_string(max_len) +
                  " characters");
    out = std::string(v->as_string());
  }
  void boolean(std::string_view key, bool& out) {
    auto* v = raw(key);
    if (!v) return;
    if (!v->is_bool()) return fail(std::string(key) + " is not true or false");
    out = v->as_bool();
  }
  template <class T>
  void integer(std::string_view key, T& out) {
    auto* v = raw(key);
    if (!v) return;
    std::uint64_t n = 0;
    if (v->is_uint64())
      n = v->as_uint64();
    else if (v->is_int64() && v->as_int64() >= 0)
      n = static_cast<std::uint64_t>(v->as_int64());
    else
      return fail(std::string(key) + " is not a non-negative integer");
    if (n > std::numeric_limits<T>::max()) return fail(std::string(key) + " is out of range");
    out = static_cast<T>(n);
  }
  void u32(std::string_view key, std::uint32_t& out) { integer(key, out); }
  void u64(std::string_view key, std::uint64_t& out) { integer(key, out); }
  void number(std::string_view key, double& out) {
    auto* v = raw(key);
    if (!v) return;
    double d = 0;
    if (v->is_double())
      d = v->as_double();
    else if (v->is_int64())
      d = static_cast<double>(v->as_int64());
    else if (v->is_uint64())
      d = static_cast<double>(v->as_uint64());
    else
      return fail(std::string(key) + " is not a number");
    if (!std::isfinite(d) || d < 0 || d > 1e12)
      return fail(std::string(key) + " is not a non-negative finite number");
    out = d;
  }
  /// An array of at most `max_items`; nullptr (and an error) otherwise.
  const boost::json::array* array(std::string_view key, std::size_t max_items) {
    auto* v = raw(key);
    if (!v) return nullptr;
    if (!v->is_array() || v->as_array().size() > max_items) {
      fail(std::string(key) + " is not an array of at most " + std::to_string(max_items));
      return nullptr;
    }
    return &v->as_array();
  }

  void fail(std::string why) {
    if (!error_) error_ = what_ + ": " + why;
  }
  bool ok() const { return !error_; }

  /// The first error, or an unknown field.
  Status finish() {
    if (!error_)
      for (const auto& kv : obj_)
        if (!read_.contains(std::string(kv.key()))) fail("unknown field " + std::string(kv.key()));
    if (error_) return make_error(*error_);
    return {};
  }

 private:
  std::string what_;
  boost::json::object obj_;
  std::set<std::string> read_;
  std::optional<std::string> error_;
};

}  // namespace minirtc::cluster
