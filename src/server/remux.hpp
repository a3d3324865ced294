#pragma once
// FLV → MP4 without transcoding, through libavformat (Debian's FFmpeg libraries): what
// `ffmpeg -i in.flv -c copy -movflags +faststart out.mp4` does, in process. Audio and video
// streams are copied (codec parameters and packets as they are); timestamps start at 0 (the
// first packet's), so a recording begun mid-stream plays from its start.
//
// Blocking file I/O: call it off the event loop (server/recordings runs it on its finisher
// thread). The output is written to `out` + ".part" and renamed into place only when complete,
// so a crash during a remux never leaves a truncated MP4 under the final name. A truncated FLV
// (the server was killed while writing) is read up to its last complete tag.

#include <cstdint>
#include <string>

#include "util/result.hpp"

namespace minirtc::server {

struct RemuxResult {
  std::uint64_t duration_ms = 0;  // the MP4's duration
  std::uint64_t size_bytes = 0;   // the MP4's size
  bool has_audio = false, has_video = false;
};

Result<RemuxResult> remux_flv_to_mp4(const std::string& flv_path, const std::string& mp4_path);

}  // namespace minirtc::server
