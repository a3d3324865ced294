#pragma once
// The apps this server serves (AppId → AppKey). With none configured, the embedded default
// creates one development app and keeps it in the data directory, so restarts keep its keys;
// when no admin key is configured either, a development admin key joins it in the same file, so
// the console works from the first `minirtc serve`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/config.hpp"
#include "util/result.hpp"

namespace minirtc::server {

class AppRegistry {
 public:
  explicit AppRegistry(std::vector<AppConfig> apps) : apps_(std::move(apps)) {}

  /// The embedded default: loads `<data_dir>/dev-app.toml` (warning when others may read it), or
  /// creates it with fresh keys when nothing is there (server/private_file.hpp: atomic, 0600, no
  /// links followed). A file that is there but unreadable or damaged is an error, never replaced.
  static Result<AppConfig> load_or_create_dev_app(const std::string& data_dir);

  /// The embedded default's admin key when none is configured: `admin_key` of
  /// `<data_dir>/dev-app.toml` (made by load_or_create_dev_app first), or, when the file has
  /// none, fresh random characters added to it (the file replaced atomically, its text kept and
  /// the key appended; server/private_file.hpp). An `admin_key` that is there but empty or not a
  /// string is damage, an error like a damaged id or key.
  static Result<std::string> load_or_add_dev_admin_key(const std::string& data_dir);

  std::optional<std::string> key_of(std::string_view app_id) const;
  const AppConfig* find(std::string_view app_id) const;
  bool is_development(std::string_view app_id) const;
  const std::vector<AppConfig>& apps() const noexcept { return apps_; }

 private:
  std::vector<AppConfig> apps_;
};

}  // namespace minirtc::server
