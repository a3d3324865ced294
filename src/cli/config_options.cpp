#include "cli/config_options.hpp"

#include <filesystem>
#include <stdexcept>

#include "server/app_registry.hpp"

namespace minirtc::cli {

void ConfigOptions::add_to(CLI::App& command) {
  command.add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  command.add_option("--app", apps, "APPID:APPKEY of an app (repeatable)");
  command.add_option(
      "--data-dir", data_dir,
      "data directory: the development app's keys, call records, callback queue, recordings");
}

server::Config ConfigOptions::resolve(bool create_dev_app) const {
  server::Config config;
  if (!config_file.empty()) {
    auto loaded = server::load_config_file(config_file, config);
    if (!loaded) throw std::runtime_error(loaded.error().reason);
    config = std::move(*loaded);
  }
  if (!data_dir.empty()) config.data_dir = data_dir;
  for (const auto& a : apps) {
    auto app = server::parse_app_flag(a);
    if (!app) throw std::runtime_error(app.error().reason);
    config.apps.push_back(std::move(*app));
  }
  if (config.apps.empty()) {
    // The embedded default's development app: created by `serve`, only read by the others.
    // Anything at the path counts, a dangling link too: loading it says what is wrong.
    std::error_code ec;
    const bool exists =
        std::filesystem::symlink_status(std::filesystem::path(config.data_dir) / "dev-app.toml", ec)
            .type() != std::filesystem::file_type::not_found;
    if (create_dev_app || exists) {
      auto dev = server::AppRegistry::load_or_create_dev_app(config.data_dir);
      if (!dev) throw std::runtime_error(dev.error().reason);
      config.apps.push_back(std::move(*dev));
    }
  }
  return config;
}

void LimitOptions::add_to(CLI::App& command) {
  command.add_option("--max-rtmp-connections", rtmp_connections,
                     "RTMP connections (default 20000)");
  command.add_option("--max-http-connections", http_connections,
                     "HTTP connections: API requests and signalling WebSockets (default 20000)");
  command.add_option("--max-flv-viewers", flv_viewers,
                     "HTTP-FLV and WebSocket-FLV viewers (default 20000)");
  command.add_option("--reserved-connections", reserved,
                     "slots per door kept for authenticated connections (default 16)");
  command.add_option("--max-unauthenticated-per-ip", unauthenticated_per_ip,
                     "unauthenticated connections per address and door (default 64; 0 = no limit)");
}

void LimitOptions::apply(server::Config& config) const {
  auto& l = config.limits;
  if (rtmp_connections) l.rtmp_connections = *rtmp_connections;
  if (http_connections) l.http_connections = *http_connections;
  if (flv_viewers) l.flv_viewers = *flv_viewers;
  if (reserved) l.reserved_for_authenticated = *reserved;
  if (unauthenticated_per_ip) l.unauthenticated_per_ip = *unauthenticated_per_ip;
  if (auto st = server::check_limits(l); !st) throw std::runtime_error(st.error().reason);
}

}  // namespace minirtc::cli
