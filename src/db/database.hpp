#pragma once
// The embedded database: SQLite files in the data dir for what must outlive a restart, no server
// to run: `<data_dir>/minirtc.db` (call records, recordings) and, opened the same way,
// `<data_dir>/callbacks.db` (pending callbacks: a file of its own, server/callback_store.hpp says
// why).
//
// Contract:
//   - Database::open either returns a handle that reads and writes the file, or a clear error:
//     not a SQLite file / corrupt (PRAGMA quick_check fails), locked by another process for
//     longer than the busy timeout, unreadable. It never hands out a silently empty database in
//     place of a damaged one.
//   - The file is in WAL mode (readers do not block the writer, a crash loses at most the
//     transaction being written) with synchronous=NORMAL (a commit does not wait for fsync; a
//     power loss may lose the last commits, a process crash loses nothing committed).
//   - Schemas are versioned per component: each component (usage, callbacks, recordings) passes
//     its own ordered list of migrations to migrate(); the table `schema_versions` keeps
//     (component, version), so components migrate independently and a binary older than the
//     file refuses to start instead of writing into a schema it does not know.
//   - A handle is used by one thread at a time (the batched writer has its own; readers open
//     another). RAII: the connection and its statements close with the object.

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace minirtc::db {

/// The database file's name inside the data dir.
inline constexpr std::string_view kFileName = "minirtc.db";

/// One prepared statement. Bind indexes start at 1, column indexes at 0.
class Statement {
 public:
  Statement() = default;
  Statement(Statement&&) noexcept = default;
  Statement& operator=(Statement&&) noexcept = default;

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, double value);
  Statement& bind_null(int index);
  /// bind(1, a), bind(2, b), ...
  template <class... T>
  Statement& bind_all(const T&... values) {
    int i = 0;
    (bind_one(++i, values), ...);
    return *this;
  }

  /// Next row: true while a row is available, false when done.
  Result<bool> step();
  /// Runs a statement that returns no rows, then resets it.
  Status run();
  /// Ready to run again; bindings cleared.
  void reset();

  std::int64_t int64(int column) const;
  double real(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

 private:
  friend class Database;
  struct Finalize {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  template <class T>
  void bind_one(int i, const T& v) {
    if constexpr (std::is_same_v<T, std::nullptr_t>)
      bind_null(i);
    else if constexpr (std::is_floating_point_v<T>)
      bind(i, static_cast<double>(v));
    else if constexpr (std::is_integral_v<T>)
      bind(i, static_cast<std::int64_t>(v));
    else
      bind(i, std::string_view(v));
  }

  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
  sqlite3* db_ = nullptr;
};

struct OpenOptions {
  std::uint32_t busy_timeout_ms = 5000;  // wait this long for another writer's lock
  bool read_only = false;
  bool check = true;  // PRAGMA quick_check at open
  /// locking_mode=EXCLUSIVE: the write lock taken at open is kept for the connection's life, so
  /// no other connection (another process, another opener in this one) can use the file until it
  /// closes; with WAL, no -shm file. For a file with one writer and no other reader: the callback
  /// queue (server/callback_store.hpp), where a second server must fail at start.
  bool exclusive = false;
};

class Database {
 public:
  /// Opens (creating when missing, unless read_only) the file at `path`. Errors name the file
  /// and say what is wrong (corrupt, locked, ...).
  static Result<Database> open(const std::string& path, const OpenOptions& options = {});

  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  /// Runs SQL without results (one or more statements).
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  /// A statement prepared once for this connection and reused (reset when handed out).
  Result<Statement*> cached(std::string_view sql);

  /// Brings `component`'s schema to version migrations.size() by running the steps it has not
  /// run yet, each with its version update, in one transaction. Error when the file's version is
  /// newer than the list (an older binary on a newer file).
  Status migrate(std::string_view component, std::span<const std::string_view> migrations);
  /// 0 when the component never migrated.
  Result<std::int64_t> schema_version(std::string_view component);

  std::int64_t last_insert_rowid() const noexcept;
  std::int64_t changes() const noexcept;
  /// SQLite's (extended) code of the last failure: BUSY, FULL, IOERR... are worth a retry.
  int last_error_code() const noexcept;
  static bool is_transient(int code) noexcept;
  const std::string& path() const noexcept { return path_; }

 private:
  struct Close {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  Database(sqlite3* db, std::string path);
  Error error(std::string_view what) const;

  // Statements are finalized before the connection closes: declared after it.
  std::unique_ptr<sqlite3, Close> db_;
  std::string path_;
  std::map<std::string, Statement, std::less<>> cache_;
};

}  // namespace minirtc::db
