#include "server/recordings.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "auth/hmac.hpp"
#include "flv/tag.hpp"
#include "media/sink.hpp"
#include "server/remux.hpp"

namespace minirtc::server {

namespace fs = std::filesystem;
namespace json = boost::json;
using record::RecordingInfo;
using record::State;

namespace {

/// The viewer id of a recording: '#' is in no user id, so no muteRemote can name it.
const std::string kRecorderViewer = "#recorder";

std::string system_error(std::string_view what, int err) {
  return fmt::format("{}: {}", what, std::strerror(err));
}

/// Writes `content` to `path` through a temporary file, fsync and rename: a reader (or a crash)
/// sees the old sidecar or the new one, never half of one.
Status write_atomically(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) return make_error(system_error("cannot create " + tmp, errno));
  std::size_t done = 0;
  while (done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(system_error("cannot write " + tmp, err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return make_error(system_error("cannot write " + tmp, err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return make_error(system_error("cannot rename " + tmp, err));
  }
  return {};
}

std::uint64_t file_size_or_zero(const std::string& path) {
  std::error_code ec;
  const auto n = fs::file_size(path, ec);
  return ec ? 0 : n;
}

}  // namespace

/// One recording's file, shared by the loop (which queues) and the writer thread (which writes).
struct RecordingFile {
  explicit RecordingFile(std::string dir, RecordingInfo info)
      : dir(std::move(dir)), info(std::move(info)) {}
  std::string flv_path() const { return dir + "/" + record::flv_name(info.id); }
  std::string mp4_path() const { return dir + "/" + record::mp4_name(info.id); }
  std::string sidecar_path() const { return dir + "/" + record::sidecar_name(info.id); }

  const std::string dir;
  RecordingInfo info;                          // as at the start (writer: first sidecar)
  std::atomic<std::uint64_t> queued_bytes{0};  // loop adds, writer subtracts
  std::atomic<std::uint64_t> written_bytes{0};
  std::atomic<bool> failed{false};  // set by the writer; the loop stops the recording
  // Writer thread only.
  int fd = -1;
  std::string error;
  std::optional<std::uint32_t> first_ts;
  std::uint32_t last_ts = 0;
};

/// The writer and the finisher: the only threads that touch recording files.
class RecordingThreads {
 public:
  struct Open {
    std::shared_ptr<RecordingFile> file;
  };
  struct Write {
    std::shared_ptr<RecordingFile> file;
    media::PacketPtr packet;
  };
  struct Close {
    std::shared_ptr<RecordingFile> file;
    std::uint64_t stopped_ms;
    std::string error;  // the loop's reason to stop, if it is a failure
  };
  using WriterJob = std::variant<Open, Write, Close>;
  using Post = std::function<void(std::function<void()>)>;

  /// `post` runs a function on the event loop; `on_failed(id, error)` and `on_finished(info)` are
  /// posted there.
  RecordingThreads(Post post, std::function<void(std::string, std::string)> on_failed,
                   std::function<void(RecordingInfo)> on_finished)
      : post_(std::move(post)),
        on_failed_(std::move(on_failed)),
        on_finished_(std::move(on_finished)),
        writer_([this](std::stop_token) { writer_loop(); }),
        finisher_([this](std::stop_token) { finisher_loop(); }) {}

  ~RecordingThreads() {
    {
      std::lock_guard lock(writer_mutex_);
      writer_done_ = true;
    }
    writer_cv_.notify_all();
    writer_.join();  // drains its queue first: every Close reaches the finisher
    {
      std::lock_guard lock(finisher_mutex_);
      finisher_done_ = true;
    }
    finisher_cv_.notify_all();
    finisher_.join();
  }

  void push(WriterJob job) {
    {
      std::lock_guard lock(writer_mutex_);
      writer_jobs_.push_back(std::move(job));
    }
    writer_cv_.notify_one();
  }

  /// Turns the recording described by `info` (state recording/finishing) into its MP4.
  void finish(RecordingInfo info, std::string dir, std::uint64_t flv_duration_ms) {
    {
      std::lock_guard lock(finisher_mutex_);
      finisher_jobs_.push_back({std::move(info), std::move(dir), flv_duration_ms});
    }
    finisher_cv_.notify_one();
  }

  /// Removes a recording's files (admin delete), in order behind any finishing.
  void remove(std::string dir, std::string id) {
    RecordingInfo info;
    info.id = std::move(id);
    info.state = State::Failed;  // marks a removal job
    {
      std::lock_guard lock(finisher_mutex_);
      finisher_jobs_.push_back({std::move(info), std::move(dir), 0, true});
    }
    finisher_cv_.notify_one();
  }

 private:
  struct FinishJob {
    RecordingInfo info;
    std::string dir;
    std::uint64_t flv_duration_ms = 0;
    bool remove = false;
  };

  void writer_loop() {
    for (;;) {
      WriterJob job;
      {
        std::unique_lock lock(writer_mutex_);
        writer_cv_.wait(lock, [this] { return writer_done_ || !writer_jobs_.empty(); });
        if (writer_jobs_.empty()) return;
        job = std::move(writer_jobs_.front());
        writer_jobs_.pop_front();
      }
      std::visit([this](auto& j) { run(j); }, job);
    }
  }

  void fail(RecordingFile& f, std::string error) {
    if (f.failed.exchange(true)) return;
    f.error = std::move(error);
    spdlog::error("recording {}: {}", f.info.id, f.error);
    post_([cb = on_failed_, id = f.info.id, e = f.error] { cb(id, e); });
  }

  void run(Open& j) {
    auto& f = *j.file;
    if (auto st = write_atomically(f.sidecar_path(), record::to_json(f.info)); !st)
      return fail(f, st.error().reason);
    f.fd = ::open(f.flv_path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (f.fd < 0) return fail(f, system_error("cannot create " + f.flv_path(), errno));
    const auto header = flv::file_header(true, true);
    write_all(f, {iovec{const_cast<std::uint8_t*>(header.data()), header.size()}});
  }

  void run(Write& j) {
    auto& f = *j.file;
    const auto& p = *j.packet;
    f.queued_bytes -= p.flv_size;
    if (f.fd < 0 || f.failed) return;
    std::vector<iovec> iov;
    iov.reserve(3);
    p.for_each_wire_piece(media::WireFormat::Flv, [&iov](std::span<const std::uint8_t> s) {
      iov.push_back(iovec{const_cast<std::uint8_t*>(s.data()), s.size()});
    });
    write_all(f, std::move(iov));
    if (p.droppable()) {
      if (!f.first_ts) f.first_ts = p.timestamp;
      f.last_ts = std::max(f.last_ts, p.timestamp);
    }
  }

  void write_all(RecordingFile& f, std::vector<iovec> iov) {
    std::size_t first = 0;
    while (first < iov.size()) {
      const auto n = ::writev(f.fd, iov.data() + first, static_cast<int>(iov.size() - first));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(f, system_error("cannot write " + f.flv_path(), errno));
      f.written_bytes += static_cast<std::uint64_t>(n);
      auto left = static_cast<std::size_t>(n);
      while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
      if (first < iov.size()) {
        iov[first].iov_base = static_cast<std::uint8_t*>(iov[first].iov_base) + left;
        iov[first].iov_len -= left;
      }
    }
  }

  void run(Close& j) {
    auto& f = *j.file;
    if (f.fd >= 0) ::close(f.fd);
    f.fd = -1;
    RecordingInfo info = f.info;
    info.stopped_ms = j.stopped_ms;
    info.state = State::Finishing;
    info.error = !j.error.empty() ? j.error : f.error;
    const std::uint64_t span = f.first_ts ? f.last_ts - *f.first_ts : 0;
    finish(std::move(info), f.dir, span);
  }

  void finisher_loop() {
    for (;;) {
      FinishJob job;
      {
        std::unique_lock lock(finisher_mutex_);
        finisher_cv_.wait(lock, [this] { return finisher_done_ || !finisher_jobs_.empty(); });
        if (finisher_jobs_.empty()) return;
        job = std::move(finisher_jobs_.front());
        finisher_jobs_.pop_front();
      }
      if (job.remove)
        remove_files(job);
      else
        run_finish(job);
    }
  }

  static void remove_files(const FinishJob& job) {
    for (const auto& name : {record::mp4_name(job.info.id), record::flv_name(job.info.id),
                             record::sidecar_name(job.info.id)}) {
      std::error_code ec;
      fs::remove(job.dir + "/" + name, ec);
      if (ec) spdlog::error("recording {}: cannot remove {}: {}", job.info.id, name, ec.message());
    }
  }

  void run_finish(FinishJob& job) {
    RecordingInfo& info = job.info;
    const std::string flv = job.dir + "/" + record::flv_name(info.id);
    const std::string mp4 = job.dir + "/" + record::mp4_name(info.id);
    const std::string sidecar = job.dir + "/" + record::sidecar_name(info.id);
    info.state = State::Finishing;
    if (auto st = write_atomically(sidecar, record::to_json(info)); !st)
      spdlog::error("recording {}: {}", info.id, st.error().reason);
    auto made = remux_flv_to_mp4(flv, mp4);
    if (made) {
      info.file = record::mp4_name(info.id);
      info.size_bytes = made->size_bytes;
      info.duration_ms = made->duration_ms;
      info.state = info.error.empty() ? State::Finished : State::Failed;
    } else {
      info.error = info.error.empty() ? "MP4 not made: " + made.error().reason
                                      : info.error + "; MP4 not made: " + made.error().reason;
      std::error_code ec;
      info.file = fs::exists(flv, ec) ? record::flv_name(info.id) : std::string();
      info.size_bytes = info.file.empty() ? 0 : file_size_or_zero(flv);
      info.duration_ms = job.flv_duration_ms;
      info.state = State::Failed;
    }
    if (info.stopped_ms == 0) info.stopped_ms = info.started_ms + info.duration_ms;
    if (auto st = write_atomically(sidecar, record::to_json(info)); !st) {
      // The MP4 is there, but the sidecar still says `finishing`: the FLV is kept so that the
      // next start makes the MP4 again rather than lose the recording.
      spdlog::error("recording {}: {}", info.id, st.error().reason);
    } else if (made) {
      std::error_code ec;
      fs::remove(flv, ec);
    }
    spdlog::info("recording {} {}: {} ({} ms, {} bytes){}", info.id, record::to_string(info.state),
                 info.file, info.duration_ms, info.size_bytes,
                 info.error.empty() ? "" : ": " + info.error);
    post_([cb = on_finished_, info = std::move(info)] { cb(info); });
  }

  Post post_;
  std::function<void(std::string, std::string)> on_failed_;
  std::function<void(RecordingInfo)> on_finished_;
  std::mutex writer_mutex_;
  std::condition_variable writer_cv_;
  std::deque<WriterJob> writer_jobs_;
  bool writer_done_ = false;
  std::mutex finisher_mutex_;
  std::condition_variable finisher_cv_;
  std::deque<FinishJob> finisher_jobs_;
  bool finisher_done_ = false;
  // Declared last: the threads start once everything above exists.
  std::jthread writer_;
  std::jthread finisher_;
};

/// A recording in progress: a hub viewer that queues every packet for the writer.
class ActiveRecording final : public media::ViewerSink {
 public:
  ActiveRecording(Recordings& owner, std::shared_ptr<RecordingFile> file, StreamId stream,
                  std::uint64_t max_queue_bytes)
      : owner_(owner),
        file_(std::move(file)),
        stream_(std::move(stream)),
        max_queue_bytes_(max_queue_bytes) {}

  void attach() { source_ = &owner_.ctx_.hub.attach(stream_, this); }
  void detach() {
    if (source_) owner_.ctx_.hub.detach(*source_, this);
    source_ = nullptr;
  }

  void deliver(const media::PacketPtr& packet) override {
    if (stopping_ || packet->kind == media::PacketKind::Control) return;
    const auto queued = file_->queued_bytes.load();
    if (queued + packet->flv_size > max_queue_bytes_) {
      stop_later(fmt::format("the disk does not keep up: {} bytes waiting to be written", queued));
      return;
    }
    file_->queued_bytes += packet->flv_size;
    owner_.threads_->push(RecordingThreads::Write{file_, packet});
  }
  void close_viewer(std::string_view reason) override {
    spdlog::info("recording {}: stream closed ({})", file_->info.id, reason);
    stop_later({});
  }
  void set_remote_mute(bool, bool) override {}
  const std::string& viewer_id() const override { return kRecorderViewer; }
  media::ViewerStats viewer_stats() const override {
    media::ViewerStats s;
    s.bytes_out = file_->written_bytes.load();
    return s;
  }

  const std::shared_ptr<RecordingFile>& file() const { return file_; }
  const StreamId& stream() const { return stream_; }

 private:
  /// Stops after the current hub call (a sink must not re-enter the hub).
  void stop_later(std::string error) {
    if (stopping_) return;
    stopping_ = true;
    boost::asio::post(owner_.ctx_.io,
                      [&owner = owner_, id = file_->info.id, e = std::move(error)]() mutable {
                        owner.stop(id, std::move(e));
                      });
  }

  Recordings& owner_;
  std::shared_ptr<RecordingFile> file_;
  StreamId stream_;
  std::uint64_t max_queue_bytes_;
  media::Source* source_ = nullptr;
  bool stopping_ = false;
};

Recordings::Recordings(ServerContext& ctx)
    : ctx_(ctx), dir_((fs::path(ctx.config.data_dir) / "recordings").string()) {
  // A write past the file size limit (RLIMIT_FSIZE) must fail with EFBIG, as a full disk fails
  // with ENOSPC, and stop that recording: by default SIGXFSZ would kill the whole server.
  std::signal(SIGXFSZ, SIG_IGN);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create {}: {}", dir_, ec.message()));
  threads_ = std::make_unique<RecordingThreads>(
      [&io = ctx_.io](std::function<void()> f) { boost::asio::post(io, std::move(f)); },
      [this](std::string id, std::string error) { stop(id, std::move(error)); },
      [this](RecordingInfo info) { finished(std::move(info)); });

  // What earlier runs left: listed as they are, or finished now when a crash interrupted them.
  std::size_t recovered = 0;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (!name.ends_with(".json") || !entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string text;
    text.resize(record::kMaxSidecarBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    auto info = record::from_json(text);
    if (!info || record::sidecar_name(info->id) != name) {
      spdlog::error("recordings: {} ignored: {}", entry.path().string(),
                    info ? "its name is not its id's" : info.error().reason);
      continue;
    }
    const std::string flv = dir_ + "/" + record::flv_name(info->id);
    switch (record::recovery_action(info->state, fs::exists(flv, ec))) {
      case record::Recovery::None:
        break;
      case record::Recovery::Remux:
        info->recovered = true;
        info->state = State::Finishing;
        threads_->finish(*info, dir_, 0);
        ++recovered;
        break;
      case record::Recovery::Missing:
        info->state = State::Failed;
        info->error = "the server stopped while recording and the recording file is gone";
        info->file.clear();
        if (auto st = write_atomically(dir_ + "/" + name, record::to_json(*info)); !st)
          spdlog::error("recordings: {}", st.error().reason);
        break;
    }
    index_[info->id] = std::move(*info);
  }
  if (ec) throw std::runtime_error(fmt::format("cannot read {}: {}", dir_, ec.message()));
  spdlog::info(
      "recordings: {} in {}{}", index_.size(), dir_,
      recovered ? fmt::format(", {} left unfinished by a stop are being turned into MP4", recovered)
                : std::string());
}

Recordings::~Recordings() {
  for (auto& [id, a] : active_) a->detach();  // only when shutdown() did not run
  threads_.reset();                           // drains: every stopped recording gets its MP4
}

const AppConfig* Recordings::app(std::string_view app_id) const {
  return ctx_.apps.find(app_id);
}

void Recordings::emit(RecordingEvent::Kind kind, const RecordingInfo& info) {
  if (on_event_) on_event_(RecordingEvent{kind, info});
}

Result<RecordingInfo> Recordings::start(const StreamId& id) {
  if (relayed(id)) return make_error("stream is relayed from another node: record it there");
  for (const auto& [rid, a] : active_)
    if (a->stream() == id) return make_error("stream is being recorded: " + rid);
  RecordingInfo info;
  info.started_ms = now_ms();
  info.id = record::make_recording_id(info.started_ms, auth::random_hex(4));
  info.app_id = id.app_id;
  info.room_id = id.room_id;
  info.user_id = id.user_id;
  info.stream = stream_key(id);
  info.state = State::Recording;
  info.file = record::flv_name(info.id);
  auto file = std::make_shared<RecordingFile>(dir_, info);
  threads_->push(RecordingThreads::Open{file});
  auto active =
      std::make_unique<ActiveRecording>(*this, file, id, ctx_.config.recording.max_queue_bytes);
  active->attach();
  active_[info.id] = std::move(active);
  index_[info.id] = info;
  ++started_total_;
  spdlog::info("recording {} started: stream {}", info.id, info.stream);
  emit(RecordingEvent::Kind::Started, info);
  return info;
}

void Recordings::stop(const std::string& id, std::string error) {
  auto it = active_.find(id);
  if (it == active_.end()) return;
  auto active = std::move(it->second);
  active_.erase(it);
  active->detach();
  auto& info = index_[id];
  info.state = State::Finishing;
  info.stopped_ms = now_ms();
  info.size_bytes = active->file()->written_bytes.load();
  if (!error.empty()) info.error = error;
  threads_->push(RecordingThreads::Close{active->file(), info.stopped_ms, std::move(error)});
}

void Recordings::finished(RecordingInfo info) {
  if (info.state == State::Failed) ++failed_total_;
  index_[info.id] = info;
  emit(RecordingEvent::Kind::Finished, info);
}

void Recordings::on_stream_live(const StreamId& id) {
  if (shut_down_) return;
  const auto* a = app(id.app_id);
  const bool wanted = (a && a->record_all) || rooms_.count({id.app_id, id.room_id});
  if (!wanted || is_recorded(id)) return;
  if (relayed(id)) return;  // its origin records it
  if (auto r = start(id); !r)
    spdlog::error("recording of {} not started: {}", stream_key(id), r.error().reason);
}

void Recordings::shutdown() {
  shut_down_ = true;
  std::vector<std::string> ids;
  for (const auto& [id, a] : active_) ids.push_back(id);
  for (const auto& id : ids) stop(id, {});
}

RecordingInfo Recordings::so_far(const RecordingInfo& info) const {
  RecordingInfo r = info;
  if (auto it = active_.find(r.id); it != active_.end()) {
    r.duration_ms = now_ms() - r.started_ms;
    r.size_bytes = it->second->file()->written_bytes.load();
  }
  return r;
}

bool Recordings::relayed(const StreamId& id) {
  auto* s = ctx_.hub.find(id);
  return s && s->publisher() && !s->publisher()->local();
}

bool Recordings::is_recorded(const StreamId& id) const {
  for (const auto& [rid, a] : active_)
    if (a->stream() == id) return true;
  return false;
}

std::optional<std::string> Recordings::app_key(std::string_view app_id) const {
  if (const auto* a = app(app_id)) return a->key;
  return std::nullopt;
}

std::string Recordings::http_base() const {
  return ctx_.access.http_base();
}

std::uint32_t Recordings::default_url_ttl_s() const {
  return ctx_.config.recording.download_url_ttl_s;
}

std::vector<RecordingInfo> Recordings::list() const {
  std::vector<RecordingInfo> out;
  out.reserve(index_.size());
  for (const auto& [id, info] : index_) out.push_back(so_far(info));
  return out;
}

std::optional<RecordingInfo> Recordings::find(std::string_view id) const {
  auto it = index_.find(std::string(id));
  if (it == index_.end()) return std::nullopt;
  return so_far(it->second);
}

Result<RecordingInfo> Recordings::start_stream(const StreamId& id) {
  auto* s = ctx_.hub.find(id);
  // A relayed stream is never announced live here (media/hub.hpp): its origin records it.
  if (!s || !s->announced_live()) return make_error("stream is not live");
  return start(id);
}

std::vector<std::string> Recordings::start_room(std::string_view app_id, std::string_view room_id) {
  rooms_.insert({std::string(app_id), std::string(room_id)});
  std::vector<StreamId> live;
  ctx_.hub.for_each([&](media::Source& s) {
    if (s.id().app_id == app_id && s.id().room_id == room_id && s.announced_live())
      live.push_back(s.id());
  });
  std::vector<std::string> ids;
  for (const auto& sid : live)
    if (!is_recorded(sid))
      if (auto r = start(sid)) ids.push_back(r->id);
  return ids;
}

std::vector<std::string> Recordings::stop_streams(const StreamId& id) {
  if (id.user_id.empty()) rooms_.erase({id.app_id, id.room_id});
  std::vector<std::string> stopping;
  for (const auto& [rid, a] : active_) {
    const auto& sid = a->stream();
    if (sid.app_id == id.app_id && sid.room_id == id.room_id && (id.user_id.empty() || sid == id))
      stopping.push_back(rid);
  }
  for (const auto& rid : stopping) stop(rid, {});
  return stopping;
}

Status Recordings::stop(std::string_view id) {
  if (!active_.count(std::string(id))) return make_error("recording is not running");
  stop(std::string(id), {});
  return {};
}

Status Recordings::remove(std::string_view id) {
  auto it = index_.find(std::string(id));
  if (it == index_.end()) return make_error("no such recording");
  if (active_.count(it->first) || it->second.state == State::Finishing)
    return make_error("recording is running or being finished: stop it and wait");
  const std::string rid = it->first;
  index_.erase(it);
  threads_->remove(dir_, rid);
  return {};
}

std::optional<std::string> Recordings::mp4_path(std::string_view id) const {
  auto it = index_.find(std::string(id));
  if (it == index_.end() || it->second.file != record::mp4_name(id)) return std::nullopt;
  return dir_ + "/" + record::mp4_name(id);
}

void Recordings::append_metrics(std::string& out) const {
  out += fmt::format(
      "# HELP minirtc_recordings_active Recordings being written\n"
      "# TYPE minirtc_recordings_active gauge\nminirtc_recordings_active {}\n"
      "# HELP minirtc_recordings_started_total Recordings started\n"
      "# TYPE minirtc_recordings_started_total counter\nminirtc_recordings_started_total {}\n"
      "# HELP minirtc_recordings_failed_total Recordings that ended with an error\n"
      "# TYPE minirtc_recordings_failed_total counter\nminirtc_recordings_failed_total {}\n",
      active_.size(), started_total_, failed_total_);
}

}  // namespace minirtc::server
