#include "server/private_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <openssl/rand.h>

namespace minirtc::server {

namespace {

std::string why(int err) {
  return std::strerror(err);
}

/// Closes a descriptor on scope exit unless released.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  /// Closes now; the error of close() (NFS and others report write errors there), or 0.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(why(errno));
    if (n == 0) return make_error("write made no progress");
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

int fsync_dir(const std::string& dir) {
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() < 0) return errno;
  if (::fsync(d.get()) != 0) return errno;
  return d.close();
}

/// Renames without replacing what is at `to` (RENAME_NOREPLACE; plain link+unlink where the
/// filesystem lacks it).
int rename_noreplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  ::unlink(from.c_str());
  return 0;
}

}  // namespace

Result<std::optional<PrivateFile>> read_private_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == ENOENT) return std::optional<PrivateFile>();
    if (err == ELOOP)
      return make_error(fmt::format(
          "{} is a symbolic link: refusing to follow it (put the file itself there)", path));
    return make_error(fmt::format("cannot open {}: {}", path, why(err)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return make_error(fmt::format("cannot stat {}: {}", path, why(errno)));
  if (!S_ISREG(st.st_mode)) return make_error(fmt::format("{} is not a regular file", path));
  if (static_cast<std::size_t>(st.st_size) > kMaxPrivateFileBytes)
    return make_error(fmt::format("{} is larger than {} bytes", path, kMaxPrivateFileBytes));
  PrivateFile file;
  file.mode = st.st_mode & 07777;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(fmt::format("cannot read {}: {}", path, why(errno)));
    if (n == 0) break;
    file.content.append(buf, static_cast<std::size_t>(n));
    if (file.content.size() > kMaxPrivateFileBytes)
      return make_error(fmt::format("{} is larger than {} bytes", path, kMaxPrivateFileBytes));
  }
  return std::optional<PrivateFile>(std::move(file));
}

namespace {

Status write_private(const std::string& path, std::string_view content, bool replace) {
  namespace fs = std::filesystem;
  const fs::path final_path(path);
  std::string dir = final_path.parent_path().string();
  if (dir.empty()) dir = ".";
  unsigned char r[6];
  if (RAND_bytes(r, sizeof r) != 1) return make_error("no randomness for a temporary file name");
  const std::string tmp =
      (fs::path(dir) / fmt::format(".{}.tmp-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
                                   final_path.filename().string(), r[0], r[1], r[2], r[3], r[4],
                                   r[5]))
          .string();
  auto fail = [&](std::string_view step, int err) {
    ::unlink(tmp.c_str());
    return make_error(fmt::format("cannot write {}: {}: {}", path, step, why(err)));
  };
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) return make_error(fmt::format("cannot write {}: {}", path, why(errno)));
  if (auto st = write_all(fd.get(), content); !st) {
    ::unlink(tmp.c_str());
    return make_error(fmt::format("cannot write {}: {}", path, st.error().reason));
  }
  if (::fchmod(fd.get(), 0600) != 0) return fail("chmod", errno);  // whatever the umask did
  if (::fsync(fd.get()) != 0) return fail("fsync", errno);
  if (const int err = fd.close(); err != 0) return fail("close", err);
  if (const int err = replace ? (::rename(tmp.c_str(), path.c_str()) == 0 ? 0 : errno)
                              : rename_noreplace(tmp, path);
      err != 0) {
    if (err == EEXIST && !replace) {
      ::unlink(tmp.c_str());
      return make_error(fmt::format("{} appeared while it was being created: left as it is", path));
    }
    return fail("rename", err);
  }
  if (const int err = fsync_dir(dir); err != 0)
    return make_error(fmt::format("cannot write {}: fsync of {}: {}", path, dir, why(err)));
  return {};
}

}  // namespace

Status write_private_file(const std::string& path, std::string_view content) {
  return write_private(path, content, false);
}

Status replace_private_file(const std::string& path, std::string_view content) {
  return write_private(path, content, true);
}

}  // namespace minirtc::server
