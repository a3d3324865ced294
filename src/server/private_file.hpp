#pragma once
// Small files that hold secrets (the development app's keys in `<data-dir>/dev-app.toml`), read
// and written so that a crash, a full disk or a planted link never leaves a key that an app server
// already uses half-written, silently replaced, or readable by others:
//
// - write_private_file() writes a temporary file in the same directory (O_CREAT|O_EXCL|
//   O_NOFOLLOW, mode 0600), writes it whole, fsyncs it, renames it over nothing (an entry that
//   appeared meanwhile is an error, never overwritten), then fsyncs the directory. Every step is
//   checked; on failure the temporary file is removed and the final path is untouched.
// - replace_private_file() does the same but renames over the file that is there (rename(2):
//   atomic, a link at the path is replaced, never followed), for a caller that read the file and
//   writes back everything it held plus something new: a crash leaves the old file or the new
//   one, whole.
// - read_private_file() opens with O_NOFOLLOW (a symbolic link at the path, dangling or not, is
//   refused rather than followed), insists on a regular file of bounded size, and reports
//   permissions that let the group or others read it.
// Errors carry the path and the system's reason.

#include <sys/types.h>
#include <cstddef>
#include <optional>
#include <string>

#include "util/result.hpp"

namespace minirtc::server {

/// Largest private file read.
inline constexpr std::size_t kMaxPrivateFileBytes = 64 * 1024;

struct PrivateFile {
  std::string content;
  mode_t mode = 0;  // permission bits
  /// The group or others may read (or write) it: the caller warns.
  bool loose_permissions() const noexcept { return (mode & 077) != 0; }
};

/// The file at `path`, nullopt when nothing is there, or an error (a symbolic link, not a regular
/// file, unreadable, larger than kMaxPrivateFileBytes).
Result<std::optional<PrivateFile>> read_private_file(const std::string& path);

/// Creates `path` holding `content` (mode 0600) atomically; an error when anything already exists
/// at `path` or any step fails.
Status write_private_file(const std::string& path, std::string_view content);

/// Replaces `path` with a file holding `content` (mode 0600) atomically, the same careful way;
/// an error when any step fails (the file at `path` is then left as it was).
Status replace_private_file(const std::string& path, std::string_view content);

}  // namespace minirtc::server
