#include "http/query.hpp"

namespace minirtc::http {

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;  // needs two hex digits after '%'
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || c == '@') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::optional<Query> Query::parse(std::string_view query) {
  Query q;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    if (q.params_.size() >= kMaxParams) return std::nullopt;
    auto eq = part.find('=');
    auto key = percent_decode(part.substr(0, eq));
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    q.params_.emplace_back(std::move(*key), std::move(*value));
  }
  return q;
}

std::optional<std::string_view> Query::get(std::string_view key) const {
  for (const auto& [k, v] : params_)
    if (k == key) return std::string_view(v);
  return std::nullopt;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::string_view strip_path_prefix(std::string_view path, std::string_view prefix) {
  if (prefix.empty() || !path.starts_with(prefix)) return path;
  const auto rest = path.substr(prefix.size());
  if (rest.empty()) return "/";
  return rest.front() == '/' ? rest : path;
}

std::string_view flv_stream_key(std::string_view path) {
  constexpr std::string_view kPrefix = "/live/", kSuffix = ".flv";
  if (path.size() <= kPrefix.size() + kSuffix.size() || !path.starts_with(kPrefix) ||
      !path.ends_with(kSuffix))
    return {};
  return path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
}

}  // namespace minirtc::http
