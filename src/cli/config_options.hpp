#pragma once
// Flags shared by the subcommands that need the server's configuration and app keys
// (serve, url, token): --config FILE, --app APPID:APPKEY (repeatable), --data-dir DIR.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "server/config.hpp"

namespace minirtc::cli {

struct ConfigOptions {
  std::string config_file;
  std::vector<std::string> apps;
  std::string data_dir;

  void add_to(CLI::App& command);
  /// Defaults < config file < flags; with no app at all, the embedded default's development app
  /// from the data directory (created there when `create_dev_app`, as `serve` does). Throws
  /// std::runtime_error with the reason.
  server::Config resolve(bool create_dev_app = true) const;
};

/// `serve` flags of the connection limits per door (over the config file's [limits]).
struct LimitOptions {
  std::optional<std::uint32_t> rtmp_connections, http_connections, flv_viewers, reserved,
      unauthenticated_per_ip;

  void add_to(CLI::App& command);
  /// Throws std::runtime_error when the result is inconsistent (reserve not below a limit).
  void apply(server::Config& config) const;
};

}  // namespace minirtc::cli
