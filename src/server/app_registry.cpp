#include "server/app_registry.hpp"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <openssl/rand.h>
#include <toml++/toml.h>

#include "core/ids.hpp"

namespace minirtc::server {

namespace {
std::string random_string(std::size_t n, std::string_view alphabet) {
  std::string out(n, '0');
  std::vector<unsigned char> bytes(n);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1)
    throw std::runtime_error("no randomness for the development app keys");
  for (std::size_t i = 0; i < n; ++i) out[i] = alphabet[bytes[i] % alphabet.size()];
  return out;
}
}  // namespace

Result<AppConfig> AppRegistry::load_or_create_dev_app(const std::string& data_dir) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(data_dir) / "dev-app.toml";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    try {
      auto t = toml::parse_file(path.string());
      AppConfig app{t["id"].value_or(std::string()), t["key"].value_or(std::string()), true};
      if (!is_valid_app_id(app.id) || app.key.empty())
        return make_error(fmt::format("{}: not a valid development app", path.string()));
      return app;
    } catch (const toml::parse_error& e) {
      return make_error(fmt::format("{}: {}", path.string(), e.description()));
    }
  }
  fs::create_directories(data_dir, ec);
  if (ec) return make_error(fmt::format("cannot create data dir {}: {}", data_dir, ec.message()));
  AppConfig app{random_string(24, "abcdefghijklmnopqrstuvwxyz0123456789"),
                random_string(32, "0123456789abcdef"), true};
  std::ofstream out(path);
  out << "# The development app of the embedded default (minirtc serve without apps).\n"
      << "id = \"" << app.id << "\"\nkey = \"" << app.key << "\"\n";
  if (!out) return make_error(fmt::format("cannot write {}", path.string()));
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
  return app;
}

std::optional<std::string> AppRegistry::key_of(std::string_view app_id) const {
  if (const auto* a = find(app_id)) return a->key;
  return std::nullopt;
}

const AppConfig* AppRegistry::find(std::string_view app_id) const {
  for (const auto& a : apps_)
    if (a.id == app_id) return &a;
  return nullptr;
}

bool AppRegistry::is_development(std::string_view app_id) const {
  const auto* a = find(app_id);
  return a && a->development;
}

}  // namespace minirtc::server
