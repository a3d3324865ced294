#include "api/metrics_label.hpp"

namespace minirtc::api {

namespace {
void label_line(std::string_view line, std::string_view label, std::string& out) {
  if (line.empty() || line.front() == '#') {
    out += line;
    return;
  }
  const auto brace = line.find('{');
  const auto space = line.find(' ');
  if (brace != std::string_view::npos && (space == std::string_view::npos || brace < space)) {
    const auto close = line.find('}', brace);
    if (close == std::string_view::npos) {  // not a sample we understand: as it is
      out += line;
      return;
    }
    const auto labels = line.substr(brace + 1, close - brace - 1);
    const std::string key = std::string(label.substr(0, label.find('=') + 1));
    if (labels.starts_with(key) || labels.find("," + key) != std::string_view::npos) {
      out += line;
      return;
    }
    out += line.substr(0, close);
    if (!labels.empty()) out += ',';
    out += label;
    out += line.substr(close);
    return;
  }
  if (space == std::string_view::npos) {
    out += line;
    return;
  }
  out += line.substr(0, space);
  out += '{';
  out += label;
  out += '}';
  out += line.substr(space);
}
}  // namespace

std::string label_samples(std::string_view exposition, std::string_view name,
                          std::string_view value) {
  const std::string label = std::string(name) + "=\"" + std::string(value) + "\"";
  std::string out;
  out.reserve(exposition.size() + exposition.size() / 4);
  while (!exposition.empty()) {
    const auto nl = exposition.find('\n');
    const auto line = exposition.substr(0, nl);
    label_line(line, label, out);
    if (nl == std::string_view::npos) break;
    out += '\n';
    exposition.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace minirtc::api
