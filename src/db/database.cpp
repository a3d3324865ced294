#include "db/database.hpp"

#include <fmt/format.h>

namespace minirtc::db {

// ---- Statement

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                      SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(stmt_.get(), index, value);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return make_error(sqlite3_errmsg(db_));
}

Status Statement::run() {
  auto r = step();
  while (r && *r) r = step();
  reset();
  if (!r) return r.error();
  return {};
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

double Statement::real(int column) const {
  return sqlite3_column_double(stmt_.get(), column);
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string();
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

// ---- Database

Database::Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

Error Database::error(std::string_view what) const {
  const int code = sqlite3_extended_errcode(db_.get());
  const int primary = code & 0xff;
  std::string why = sqlite3_errmsg(db_.get());
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    why +=
        " (the file is damaged or not a MiniRTC database: move the file away to start empty, or "
        "restore a backup)";
  else if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    why += " (another process holds it: is another minirtc serving the same data dir?)";
  return make_error(fmt::format("database {}: {}: {}", path_, what, why));
}

Result<Database> Database::open(const std::string& path, const OpenOptions& options) {
  sqlite3* raw = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw, path);  // closes `raw` on every path, failures included
  if (rc != SQLITE_OK) return db.error("cannot open");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout_ms));
  // Before the first access: an exclusive WAL connection then never uses shared memory.
  if (options.exclusive)
    if (auto st = db.exec("PRAGMA locking_mode=EXCLUSIVE"); !st) return st.error();

  // The first statements read the header: a file that is not a database fails here.
  if (!options.read_only) {
    auto mode = db.prepare("PRAGMA journal_mode=WAL");
    if (!mode) return mode.error();
    auto row = mode->step();
    if (!row) return db.error("cannot switch to WAL mode");
    if (!*row || mode->text(0) != "wal")
      return make_error(fmt::format("database {}: WAL mode refused (journal mode '{}')", path,
                                    *row ? mode->text(0) : std::string()));
  }
  if (auto st = db.exec("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON"); !st)
    return st.error();
  if (options.check) {
    auto check = db.prepare("PRAGMA quick_check");
    if (!check) return check.error();
    auto row = check->step();
    if (!row) return db.error("integrity check failed");
    if (*row && check->text(0) != "ok")
      return make_error(
          fmt::format("database {}: integrity check failed: {} (the file is damaged: move the file "
                      "away to start "
                      "empty, or restore a backup)",
                      path, check->text(0)));
  }
  if (!options.read_only) {
    // Take the write lock once now: a file another process keeps locked is an error at start,
    // not a writer that fails later. (Exclusive: the lock stays taken until the handle closes.)
    if (auto st = db.exec("BEGIN IMMEDIATE; COMMIT"); !st) return st.error();
  }
  return db;
}

Status Database::exec(std::string_view sql) {
  const std::string text(sql);
  if (sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return error(fmt::format("'{}'", sql.substr(0, 60)));
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    sqlite3_finalize(stmt);
    return error(fmt::format("'{}'", sql.substr(0, 60)));
  }
  return Statement(stmt, db_.get());
}

Result<Statement*> Database::cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto stmt = prepare(sql);
    if (!stmt) return stmt.error();
    it = cache_.emplace(std::string(sql), std::move(*stmt)).first;
  }
  it->second.reset();
  return &it->second;
}

Result<std::int64_t> Database::schema_version(std::string_view component) {
  if (auto st = exec("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, "
                     "version INTEGER NOT NULL)");
      !st)
    return st.error();
  auto q = prepare("SELECT version FROM schema_versions WHERE component = ?");
  if (!q) return q.error();
  q->bind(1, component);
  auto row = q->step();
  if (!row)
    return with_context(row.error(),
                        fmt::format("database {}: read the {} schema version", path_, component));
  return *row ? q->int64(0) : 0;
}

Status Database::migrate(std::string_view component, std::span<const std::string_view> migrations) {
  if (auto st = exec("BEGIN IMMEDIATE"); !st) return st;
  auto fail = [this](Error e) -> Status {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  };
  auto version = schema_version(component);
  if (!version) return fail(version.error());
  const auto known = static_cast<std::int64_t>(migrations.size());
  if (*version > known)
    return fail(make_error(fmt::format(
        "database {}: the {} schema is at version {}, newer than this binary knows ({}): an older "
        "minirtc cannot use this file",
        path_, component, *version, known)));
  for (std::int64_t v = *version; v < known; ++v) {
    const std::string step(migrations[static_cast<std::size_t>(v)]);
    if (sqlite3_exec(db_.get(), step.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      return fail(error(fmt::format("{} migration {}", component, v + 1)));
    auto set = prepare(
        "INSERT INTO schema_versions(component, version) VALUES(?, ?) "
        "ON CONFLICT(component) DO UPDATE SET version = excluded.version");
    if (!set) return fail(set.error());
    set->bind_all(component, v + 1);
    if (auto st = set->run(); !st)
      return fail(with_context(st.error(), fmt::format("database {}: record {} schema version {}",
                                                       path_, component, v + 1)));
  }
  return exec("COMMIT");
}

std::int64_t Database::last_insert_rowid() const noexcept {
  return sqlite3_last_insert_rowid(db_.get());
}

std::int64_t Database::changes() const noexcept {
  return sqlite3_changes64(db_.get());
}

int Database::last_error_code() const noexcept {
  return sqlite3_extended_errcode(db_.get());
}

bool Database::is_transient(int code) noexcept {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return true;
    default:
      return false;
  }
}

}  // namespace minirtc::db
