#pragma once
// The HTTP port's route table: which paths exist and which methods each answers. One table, so
// that every route refuses a method it does not serve the same way (405 with `Allow`, RFC 9110
// §15.5.6) instead of some answering 200 to anything and others 404. Pure: a path in, the route's
// Allow value out; the server answers and dispatches.
//
// Patterns are '/'-separated segments; `*` matches one non-empty segment. FLV playback is every
// path flv_stream_key() (http/query.hpp) takes.

#include <string_view>

namespace minirtc::http {

/// The `Allow` value ("GET, HEAD") of the route `path` belongs to, or empty when no route has
/// that path (404).
std::string_view allowed_methods(std::string_view path) noexcept;

/// Whether `method` (as sent, case-sensitive per RFC 9110) is one of the comma-separated `allow`.
bool allows(std::string_view allow, std::string_view method) noexcept;

}  // namespace minirtc::http
