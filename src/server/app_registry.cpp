#include "server/app_registry.hpp"

#include <filesystem>

#include <fmt/format.h>
#include <openssl/rand.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include "core/ids.hpp"
#include "server/private_file.hpp"

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
std::string dev_file(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "dev-app.toml").string();
}

Error damaged(const std::string& path, std::string_view why) {
  return make_error(fmt::format(
      "{} is damaged ({}): it holds the development app's keys; repair it, or delete it to "
      "get new keys (tokens signed with the old key stop working)",
      path, why));
}

// What the file is for, in front of the private file layer's reason (which names the path).
constexpr std::string_view kKeysContext = "development app keys";

}  // namespace

Result<AppConfig> AppRegistry::load_or_create_dev_app(const std::string& data_dir) {
  namespace fs = std::filesystem;
  const std::string path = dev_file(data_dir);
  auto existing = read_private_file(path);
  if (!existing) return with_context(existing.error(), kKeysContext);
  if (*existing) {
    // App servers and phones may already hold tokens signed with this key: a file that cannot be
    // read is an error to fix, never a reason to make new keys.
    const auto& file = **existing;
    AppConfig app;
    try {
      auto t = toml::parse(file.content, path);
      app.id = t["id"].value_or(std::string());
      app.key = t["key"].value_or(std::string());
      app.development = true;
    } catch (const toml::parse_error& e) {
      return damaged(path, fmt::format("line {}: {}", e.source().begin.line, e.description()));
    }
    if (!is_valid_app_id(app.id)) return damaged(path, "no valid id");
    if (app.key.empty()) return damaged(path, "no key");
    if (file.loose_permissions())
      spdlog::warn(
          "{} has mode {:03o}: others on this machine can read the development app's key "
          "(chmod 600 {})",
          path, file.mode, path);
    return app;
  }
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return make_error(fmt::format("cannot create data dir {}: {}", data_dir, ec.message()));
  AppConfig app;
  app.id = random_string(24, "abcdefghijklmnopqrstuvwxyz0123456789");
  app.key = random_string(32, "0123456789abcdef");
  app.development = true;
  const std::string content = fmt::format(
      "# The development app of the embedded default (minirtc serve without apps).\n"
      "id = \"{}\"\nkey = \"{}\"\n",
      app.id, app.key);
  if (auto st = write_private_file(path, content); !st)
    return with_context(st.error(), kKeysContext);
  return app;
}

Result<std::string> AppRegistry::load_or_add_dev_admin_key(const std::string& data_dir) {
  const std::string path = dev_file(data_dir);
  auto existing = read_private_file(path);
  if (!existing) return with_context(existing.error(), kKeysContext);
  if (!*existing) return make_error(fmt::format("{} disappeared while the server started", path));
  const std::string& content = (**existing).content;
  // What the file holds at its top level: id, key, and admin_key when there (nullopt: absent).
  struct Read {
    std::string id, key;
    std::optional<std::string> admin_key;
  };
  auto read = [&](std::string_view text) -> Result<Read> {
    Read r;
    try {
      auto t = toml::parse(text, path);
      r.id = t["id"].value_or(std::string());
      r.key = t["key"].value_or(std::string());
      if (auto node = t["admin_key"]) {
        auto v = node.value<std::string>();
        if (!v || v->empty()) return damaged(path, "admin_key is not a non-empty string");
        r.admin_key = std::move(*v);
      }
    } catch (const toml::parse_error& e) {
      return damaged(path, fmt::format("line {}: {}", e.source().begin.line, e.description()));
    }
    return r;
  };
  auto now = read(content);
  if (!now) return now.error();
  if (now->admin_key) return *now->admin_key;

  // 192 bits; hex, so it can be typed, pasted and put in a shell without quoting.
  const std::string admin_key = random_string(48, "0123456789abcdef");
  std::string next = content;
  if (!next.empty() && next.back() != '\n') next += '\n';
  next += fmt::format(
      "# The development admin key (no admin_key configured): Bearer key of /v1/admin and the\n"
      "# console's sign-in. Anyone with it controls this server.\n"
      "admin_key = \"{}\"\n",
      admin_key);
  // Appended text lands in the last table of a file edited by hand: read it back before use.
  auto after = read(next);
  if (!after || after->id != now->id || after->key != now->key || after->admin_key != admin_key)
    return make_error(fmt::format(
        "cannot add the development admin key to {}: the file does not end at its top level "
        "(add admin_key = \"...\" before its first [table], or configure admin_key)",
        path));
  if (auto st = replace_private_file(path, next); !st)
    return with_context(st.error(), "development admin key");
  return admin_key;
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
