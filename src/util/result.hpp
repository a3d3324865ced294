#pragma once
// Errors as values. Protocol code returns Result<T> / Status instead of throwing, so a bad byte
// from the network becomes a logged reason and a closed connection, never an unwinding stack.
//
// Convention: the caller that knows something the callee did not (which file, table, app/room/
// user, record, field or step) wraps the error with with_context() on the way up, so the final
// reason reads as the whole path: "usage store: insert session a/r/u: database is locked". A level
// that adds nothing new passes the error up as it is. Wrapping runs only on the error path.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace minirtc {

/// Why something failed: a short human-readable reason for logs and error replies.
struct Error {
  std::string reason;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

/// Success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

inline Error make_error(std::string reason) {
  return Error{std::move(reason)};
}

/// The error with what was being done in front, as it travels up: "admin kick a/r/u: no such
/// user". Each level adds its own context, so a log line tells the whole path.
inline Error with_context(Error error, std::string_view context) {
  error.reason = std::string(context) + ": " + error.reason;
  return error;
}

}  // namespace minirtc
