#pragma once
// Recording: streams written as they arrive (FLV, no transcoding) to `<data-dir>/recordings/`,
// turned into MP4 with fast start (server/remux) when they stop.
//
// How it sits in the media plane. A recording is a viewer of the hub (media::ViewerSink) that
// never drops: the hub hands it the same shared packets as every player (its start sequence —
// metadata, sequence headers, the GOP cache — first). Its `deliver` only moves the packet's
// pointer into a queue; a writer thread writes the packets' FLV wire form (the tag header,
// payload and PreviousTagSize the packet already holds, one `writev`) to the file. So the media
// loop never waits on the disk. The queue is bounded (`recording.max_queue_bytes` per recording):
// a disk that does not keep up stops the recording with that error instead of holding memory
// without end, and never delays the publisher or anyone else.
//
// Timestamps are the hub's stream timeline (media/timeline.hpp): continuous across takeovers
// and publisher reconnects, monotonic per track. Mute filters apply as for every viewer (a muted
// track leaves a gap in the file). A recording of a stream lasts while the stream does: a
// publisher that reconnects keeps the hub stream, its viewers and so the file; the stream's close
// (the room ends the publication, kick, revoke) ends the recording.
//
// A second thread, the finisher, turns stopped recordings into MP4 (the FLV removed after) and
// writes the final sidecar (record/recording.hpp). The FLV stays readable at every moment: a
// crash leaves `recording` in its sidecar and the next start remuxes it. A write that fails
// (disk full, file size limit) stops the recording with the system's reason; the media plane
// and signalling go on.
//
// Starts and stops: per stream or per room through the admin API (api/recording_routes, over the
// api::Recorder interface this class implements), or automatically for every stream of an app
// with `record = "all"` (config). A room recording records every stream of the room that goes
// live until it is stopped. Only streams published on this node are recorded: a relayed stream
// (a non-local publisher, media/sink.hpp) is recorded by the node it is published on.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "api/recording_routes.hpp"
#include "core/ids.hpp"
#include "record/recording.hpp"
#include "server/context.hpp"

namespace minirtc::server {

/// `recording started` / `recording finished` (with the error when it failed).
struct RecordingEvent {
  enum class Kind : std::uint8_t { Started, Finished } kind = Kind::Started;
  record::RecordingInfo info;
};

class RecordingThreads;
class ActiveRecording;

class Recordings final : public api::Recorder {
 public:
  /// Loads the recordings found in `<data-dir>/recordings` and queues the remux of those a
  /// crash left unfinished. Errors (directory not creatable) are thrown at startup.
  explicit Recordings(ServerContext& ctx);
  /// Drains the writer and finisher (stopped recordings are finished before the process exits).
  ~Recordings();

  using EventCallback = std::function<void(const RecordingEvent&)>;
  void on_event(EventCallback cb) { on_event_ = std::move(cb); }

  /// A stream went live (hub event): recorded if its app records all or its room is recorded.
  void on_stream_live(const StreamId& id);
  /// Stops every recording (server shutdown): their MP4s are made before the process ends.
  void shutdown();

  // ---- api::Recorder (the admin routes and the download route).
  std::optional<std::string> app_key(std::string_view app_id) const override;
  std::string http_base() const override;
  std::uint32_t default_url_ttl_s() const override;
  bool shutting_down() const override { return shut_down_; }
  std::vector<record::RecordingInfo> list() const override;
  std::optional<record::RecordingInfo> find(std::string_view id) const override;
  Result<record::RecordingInfo> start_stream(const StreamId& id) override;
  std::vector<std::string> start_room(std::string_view app_id, std::string_view room_id) override;
  std::vector<std::string> stop_streams(const StreamId& id) override;
  Status stop(std::string_view id) override;
  Status remove(std::string_view id) override;
  std::optional<std::string> mp4_path(std::string_view id) const override;

  std::string directory() const { return dir_; }
  void append_metrics(std::string& out) const;

 private:
  friend class ActiveRecording;
  Result<record::RecordingInfo> start(const StreamId& id);
  /// Stops a recording; `error` empty for a normal end.
  void stop(const std::string& id, std::string error);
  void finished(record::RecordingInfo info);
  void emit(RecordingEvent::Kind kind, const record::RecordingInfo& info);
  const AppConfig* app(std::string_view app_id) const;
  /// `info` with a running recording's duration and size so far.
  record::RecordingInfo so_far(const record::RecordingInfo& info) const;
  bool is_recorded(const StreamId& id) const;
  /// The stream's publisher is another node's (a relay's mirror, media/sink.hpp: local()).
  bool relayed(const StreamId& id);

  ServerContext& ctx_;
  std::string dir_;
  std::unique_ptr<RecordingThreads> threads_;
  std::map<std::string, record::RecordingInfo> index_;              // by id (= start order)
  std::map<std::string, std::unique_ptr<ActiveRecording>> active_;  // by id
  std::set<std::pair<std::string, std::string>> rooms_;             // (appId, roomId) recorded
  EventCallback on_event_;
  bool shut_down_ = false;
  std::uint64_t started_total_ = 0, failed_total_ = 0;
};

}  // namespace minirtc::server
