// `minirtc token`: makes an AccessToken (format "001") like an application server would, for
// tests, demos and operators. Same options and same output as examples/token/token.{mjs,py}.

#include <chrono>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "auth/access_token.hpp"
#include "auth/hmac.hpp"
#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "server/app_registry.hpp"
#include "core/ids.hpp"

namespace minirtc::cli {

namespace {

constexpr std::uint32_t kDefaultLifetime = 24 * 3600;

struct TokenOptions {
  std::string app_id;
  std::string app_key;
  std::string room_id;
  std::string user_id;
  std::uint32_t lifetime = kDefaultLifetime;  // seconds from issued-at; 0 = never expires
  bool publish = false;
  bool subscribe = false;
  std::optional<std::uint32_t> nonce;
  std::optional<std::uint32_t> issued_at;
  ConfigOptions config;  // --config / --app / --data-dir: where the key comes from otherwise
};

/// The one place the AppKey comes from: --app-key, else the apps of --config / --app /
/// --data-dir (the server's own sources, the embedded default's development app included).
std::string resolve_app_key(const TokenOptions& opts) {
  if (!opts.app_key.empty()) return opts.app_key;
  const bool has_source = !opts.config.config_file.empty() || !opts.config.apps.empty() ||
                          !opts.config.data_dir.empty();
  if (!has_source)
    throw CLI::ValidationError("--app-key", "an AppKey is required (or --config/--app/--data-dir)");
  server::AppRegistry apps(opts.config.resolve(false).apps);
  if (auto key = apps.key_of(opts.app_id)) return *key;
  throw CLI::ValidationError("--app-id", "no key for app " + opts.app_id + " in the given sources");
}

void validate(const TokenOptions& opts) {
  if (!is_valid_app_id(opts.app_id))
    throw CLI::ValidationError("--app-id", "must be exactly 24 characters [a-zA-Z0-9]");
  if (opts.room_id != auth::kAnyRoom && !is_valid_id(opts.room_id))
    throw CLI::ValidationError("--room", "must be 1-128 characters [a-zA-Z0-9@_.-], or *");
  if (!is_valid_id(opts.user_id))
    throw CLI::ValidationError("--user", "must be 1-128 characters [a-zA-Z0-9@_.-]");
}

std::uint32_t unix_now() {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  return static_cast<std::uint32_t>(secs);
}

auth::AccessToken build_token(const TokenOptions& opts) {
  auth::AccessToken t;
  t.app_id = opts.app_id;
  t.room_id = opts.room_id;
  t.user_id = opts.user_id;
  t.nonce = opts.nonce ? *opts.nonce : auth::random_u32();
  t.issued_at = opts.issued_at ? *opts.issued_at : unix_now();
  if (opts.lifetime != 0) {
    const std::uint64_t expire_at = std::uint64_t{t.issued_at} + opts.lifetime;
    if (expire_at > std::numeric_limits<std::uint32_t>::max())
      throw CLI::ValidationError("--expire", "issued-at + expire does not fit in 32-bit seconds");
    t.expire_at = static_cast<std::uint32_t>(expire_at);
  }
  // Privileges end with the token (0 = never, like the token).
  const bool both = !opts.publish && !opts.subscribe;
  if (opts.publish || both) t.add_privilege(auth::Privilege::PublishStream, t.expire_at);
  if (opts.subscribe || both) t.add_privilege(auth::Privilege::SubscribeStream, t.expire_at);
  return t;
}

}  // namespace

void register_token_command(CLI::App& root) {
  auto opts = std::make_shared<TokenOptions>();
  CLI::App* cmd = root.add_subcommand("token", "Make an AccessToken for join (format 001)");
  cmd->add_option("--app-id", opts->app_id, "AppId, 24 characters [a-zA-Z0-9]")->required();
  cmd->add_option("--app-key", opts->app_key, "AppKey, the app's secret");
  opts->config.add_to(*cmd);
  cmd->add_option("--room", opts->room_id, "RoomId, or * for any room")->required();
  cmd->add_option("--user", opts->user_id, "UserId")->required();
  cmd->add_option("--expire", opts->lifetime,
                  "Lifetime in seconds from issued-at, 0 = never expires")
      ->capture_default_str();
  cmd->add_flag("--publish", opts->publish, "Grant publishing (default: publish and subscribe)");
  cmd->add_flag("--subscribe", opts->subscribe,
                "Grant subscribing (default: publish and subscribe)");
  cmd->add_option("--nonce", opts->nonce, "Nonce, u32 (default: random)");
  cmd->add_option("--issued-at", opts->issued_at, "Issue time, unix seconds (default: now)");
  cmd->callback([opts] {
    validate(*opts);
    const auto key = resolve_app_key(*opts);
    std::cout << auth::encode_token(build_token(*opts), key) << "\n";
  });
}

}  // namespace minirtc::cli
