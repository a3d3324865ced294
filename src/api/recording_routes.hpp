#pragma once
// The recording routes (docs/operations.md, "Recording admin API"; docs/protocol.md §7):
//
//   GET    /v1/admin/recordings                 every recording, oldest first
//   POST   /v1/admin/recordings/start           {"appId", "roomId", "userId"?, "screen"?}
//   POST   /v1/admin/recordings/stop            the same body
//   GET    /v1/admin/recordings/{id}            one recording
//   DELETE /v1/admin/recordings/{id}            its files and entry (409 while running/finishing)
//   POST   /v1/admin/recordings/{id}/stop       409 when not running
//   POST   /v1/admin/recordings/{id}/url        {"ttlSeconds"?} → a signed download URL
//   GET|HEAD /v1/recordings/{id}.mp4?e=&s=      the MP4 (Reply::file: the I/O layer streams it)
//
// The admin routes are Access::Admin (the router checks the Bearer key). The handlers parse and
// check the requests, render the JSON and check download signatures (record/download_url) with
// the request's time; what they start, stop, list and delete is the node's business, behind the
// Recorder interface (server/recordings implements it; unit tests a fake with fixed rows). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/router.hpp"
#include "core/ids.hpp"
#include "record/recording.hpp"
#include "util/result.hpp"

namespace minirtc::api {

class Recorder {
 public:
  virtual ~Recorder() = default;

  /// The key of a configured app, nullopt for an unknown app.
  virtual std::optional<std::string> app_key(std::string_view app_id) const = 0;
  /// "http(s)://host:port" the download URLs start with.
  virtual std::string http_base() const = 0;
  /// Default lifetime of a minted download URL (recording.download_url_ttl_s).
  virtual std::uint32_t default_url_ttl_s() const = 0;
  /// The server is stopping: starts are refused with 503.
  virtual bool shutting_down() const = 0;

  /// Every recording (oldest first); a running one with its duration and size so far.
  virtual std::vector<record::RecordingInfo> list() const = 0;
  virtual std::optional<record::RecordingInfo> find(std::string_view id) const = 0;

  /// Records a live, locally published stream; errors (not live, already recorded) are 409s.
  virtual Result<record::RecordingInfo> start_stream(const StreamId& id) = 0;
  /// Records every live stream of the room now and every one that goes live until stopped: the
  /// ids started now.
  virtual std::vector<std::string> start_room(std::string_view app_id,
                                              std::string_view room_id) = 0;
  /// Stops the recordings of `id`'s stream, or of the whole room (and the room recording) when
  /// `id.user_id` is empty: the ids stopped.
  virtual std::vector<std::string> stop_streams(const StreamId& id) = 0;
  /// Stops one recording; error when it is not running.
  virtual Status stop(std::string_view id) = 0;
  /// Deletes a recording's files and entry; error while it is running or finishing.
  virtual Status remove(std::string_view id) = 0;
  /// The absolute path of a recording's MP4 (nullopt until it exists).
  virtual std::optional<std::string> mp4_path(std::string_view id) const = 0;
};

void add_recording_routes(Router& router, Recorder& recorder);

}  // namespace minirtc::api
