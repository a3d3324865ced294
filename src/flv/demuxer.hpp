#pragma once
// Incremental FLV demuxer for FLV files and HTTP-FLV / WebSocket-FLV streams. Bytes may arrive
// split anywhere (byte by byte gives the same tags as one big feed).
//
// What it checks, and why:
// - The "FLV" signature and version 1; a DataOffset of at least 9 and at most kMaxHeaderSize
//   (bytes between the 9-byte header and PreviousTagSize0 are skipped, never buffered).
// - The encryption/filter bit of a tag: an error (we cannot decrypt, and skipping would hand the
//   caller undecodable media).
// - The tag type: Audio (8), Video (9) or Script (18); anything else is an error, because in a
//   live stream an unknown type almost always means the byte stream lost sync.
// - PreviousTagSize: with check_previous_tag_size (the default) each one must equal 11 + the
//   previous tag's DataSize (and PreviousTagSize0 is not checked: some muxers write garbage there).
//   ffmpeg and our own muxer write consistent values, and a mismatch means lost sync. Turn the
//   check off to read files from muxers known to write wrong values.
// - DataSize above max_tag_size: an error before anything is allocated for the body.
// The stream id field (always 0) and the reserved header flag bits are ignored.
// After an error the demuxer stays failed: every later feed returns the same error.
//
// As with rtmp::ChunkDecoder, tags come out either each with its own shared body (feed(bytes,
// out)) or handed to a receiver while the body is still the demuxer's buffer, which it reuses for
// the next tag when the receiver leaves it (a player that only looks allocates nothing per tag).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "flv/tag.hpp"
#include "util/receiver.hpp"
#include "util/result.hpp"

namespace minirtc::flv {

struct DemuxLimits {
  std::uint32_t max_tag_size = 16u << 20;  // DataSize of one tag, bytes
  bool check_previous_tag_size = true;
};

/// A tag the demuxer just completed. `body` is the demuxer's buffer: take it (std::move) to keep
/// the bytes, or leave it to be reused.
struct CompletedTag {
  TagType type = TagType::Script;
  std::uint32_t timestamp = 0;
  std::vector<std::uint8_t>& body;
};

using TagReceiver = Receiver<CompletedTag>;

class Demuxer {
 public:
  /// The largest DataOffset accepted in the file header.
  static constexpr std::uint32_t kMaxHeaderSize = 1024;

  explicit Demuxer(DemuxLimits limits = {});

  /// Consumes bytes, appending every tag completed by them to out (tags completed before an error
  /// in the same call are appended too).
  Status feed(std::span<const std::uint8_t> bytes, std::vector<Tag>& out);
  /// The same, handing each tag to `receiver` as it completes.
  Status feed(std::span<const std::uint8_t> bytes, TagReceiver& receiver);

  bool header_seen() const noexcept { return header_seen_; }
  bool has_audio() const noexcept { return has_audio_; }
  bool has_video() const noexcept { return has_video_; }
  bool failed() const noexcept { return error_.has_value(); }
  /// Bytes consumed so far (for error messages and progress).
  std::uint64_t position() const noexcept { return position_; }
  /// True between tags: nothing partial is buffered (a clean end of file stops here).
  bool at_tag_boundary() const noexcept;

 private:
  enum class State { FileHeader, HeaderPadding, PreviousTagSize, TagHeader, TagBody };

  Status fail(std::string reason);
  Status on_file_header();
  Status on_previous_tag_size();
  Status on_tag_header(TagReceiver& receiver);
  void finish_tag(TagReceiver& receiver);

  static constexpr std::uint32_t kInitialBodyReserve = 64 * 1024;

  DemuxLimits limits_;
  State state_ = State::FileHeader;
  // Fixed-size fields (file header, tag header, PreviousTagSize) collect here; need_ says how many
  // bytes the current field has.
  std::array<std::uint8_t, kTagHeaderSize> field_{};
  std::size_t have_ = 0;
  std::size_t need_ = kFileHeaderSize;
  std::uint32_t padding_left_ = 0;
  std::uint32_t expected_previous_ = 0;  // 0 before the first tag: PreviousTagSize0
  bool first_previous_ = true;
  TagType tag_type_ = TagType::Script;
  std::uint32_t tag_timestamp_ = 0;
  std::uint32_t tag_size_ = 0;
  std::vector<std::uint8_t> body_;
  bool stopped_ = false;  // the receiver asked to stop during this feed()
  bool header_seen_ = false;
  bool has_audio_ = false;
  bool has_video_ = false;
  std::uint64_t position_ = 0;
  std::uint64_t field_start_ = 0;  // where the field being collected began, for error messages
  std::optional<Error> error_;
};

}  // namespace minirtc::flv
