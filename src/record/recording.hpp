#pragma once
// What the server knows about one recording, and how that knowledge is kept: a sidecar JSON file
// next to the media (`<data-dir>/recordings/<id>.json`). Pure: JSON text in and out, file names,
// the rule for what a restart does with a recording it finds. The I/O is server/recordings.
//
// Why a sidecar and not the SQLite database: a sidecar is written (atomically, by rename) next
// to the file it describes, so the two cannot disagree after a crash or a copy of the directory,
// and it needs nothing from another module (the database module arrived later than recording).
//
// Life of a recording (state):
//   recording  the stream-as-it-arrives FLV (`<id>.flv`) is being written
//   finishing  recording stopped; the MP4 (`<id>.mp4`, fast start) is being made from the FLV
//   finished   the MP4 exists; the FLV is removed (`file` names the MP4)
//   failed     the recording stopped with `error`; `file` names whatever playable file remains
//              (the MP4, else the FLV, else nothing)
// A server that stops without finishing (crash, SIGKILL) leaves `recording` or `finishing`
// behind: recovery_action() says what the next start does.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "util/result.hpp"

namespace minirtc::record {

enum class State : std::uint8_t { Recording, Finishing, Finished, Failed };
std::string_view to_string(State s) noexcept;

struct RecordingInfo {
  std::string id;  // is_recording_id()
  std::string app_id, room_id, user_id;
  std::string stream;  // the stream key (core/ids.hpp)
  State state = State::Recording;
  std::uint64_t started_ms = 0;   // unix ms when the recording began
  std::uint64_t stopped_ms = 0;   // unix ms when it stopped (0 while recording)
  std::uint64_t duration_ms = 0;  // media duration of the file
  std::uint64_t size_bytes = 0;   // size of `file`
  std::string file;               // file name inside the recordings directory, or empty
  std::string error;              // why it failed
  bool recovered = false;         // finished at a later start (the server stopped while recording)

  bool operator==(const RecordingInfo&) const = default;
};

/// Longest sidecar read back (a sidecar is a few hundred bytes).
inline constexpr std::size_t kMaxSidecarBytes = 16 * 1024;

/// "r" + 20 lower-case hex characters: ids the server makes (new_recording_id) and the only ones
/// file names and routes accept, so an id can never name a path outside the directory.
bool is_recording_id(std::string_view id) noexcept;
/// The id of a recording begun at `started_ms` with 32 random bits (lower-case hex, 8 characters):
/// the time first, so ids sort by start.
std::string make_recording_id(std::uint64_t started_ms, std::string_view random_hex8);

std::string flv_name(std::string_view id);
std::string mp4_name(std::string_view id);
std::string sidecar_name(std::string_view id);

/// The sidecar's JSON object; the admin API lists recordings in the same form.
boost::json::object to_json_object(const RecordingInfo& info);
/// The sidecar's JSON text.
std::string to_json(const RecordingInfo& info);
/// Reads a sidecar back: every field checked (types, a valid id, a known state, file names that
/// are this recording's own), so a damaged sidecar is an error, not a wrong listing.
Result<RecordingInfo> from_json(std::string_view text);

/// What a start does with a recording found on disk.
enum class Recovery : std::uint8_t {
  None,    // finished or failed: listed as it is
  Remux,   // stopped while recording or finishing: the FLV is turned into the MP4 now
  Missing  // stopped while recording, but its FLV is gone: marked failed
};
Recovery recovery_action(State state, bool flv_exists) noexcept;

}  // namespace minirtc::record
