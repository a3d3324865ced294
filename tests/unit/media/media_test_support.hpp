#pragma once
// Shared helpers for the media tests: synthetic FLV tag bodies with valid headers, the real
// encoder output of real_flv.hpp split into tags, and fake connections for the hub.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/ids.hpp"
#include "flv/demuxer.hpp"
#include "media/packet.hpp"
#include "media/sink.hpp"
#include "media/viewer_queue.hpp"
#include "unit/media/real_flv.hpp"
#include "util/shared_buffer.hpp"

namespace minirtc::media::fakes {

/// A video tag body: byte0 = (frame_type << 4) | 7 (AVC), AVCPacketType, 3 bytes CTS, then
/// `data_size` bytes of `fill`.
inline SharedBuffer video_body(std::uint8_t frame_type, std::uint8_t avc_packet_type,
                               std::size_t data_size = 16, std::uint8_t fill = 0x55) {
  std::vector<std::uint8_t> b{static_cast<std::uint8_t>((frame_type << 4) | 7), avc_packet_type, 0,
                              0, 0};
  b.resize(b.size() + data_size, fill);
  return SharedBuffer(std::move(b));
}
inline SharedBuffer key_body(std::size_t n = 16, std::uint8_t fill = 0x55) {
  return video_body(1, 1, n, fill);
}
inline SharedBuffer inter_body(std::size_t n = 16, std::uint8_t fill = 0x55) {
  return video_body(2, 1, n, fill);
}
/// An AAC tag body: 0xAF, AACPacketType, then `data_size` bytes.
inline SharedBuffer aac_body(std::uint8_t aac_packet_type, std::size_t data_size = 8,
                             std::uint8_t fill = 0x21) {
  std::vector<std::uint8_t> b{0xAF, aac_packet_type};
  b.resize(b.size() + data_size, fill);
  return SharedBuffer(std::move(b));
}

// Packets as the viewer queue and GOP cache see them (flags set directly).
inline PacketPtr key_packet(std::uint32_t ts, std::size_t n = 16) {
  return make_media_packet(PacketKind::Video, ts, true, false, key_body(n));
}
inline PacketPtr inter_packet(std::uint32_t ts, std::size_t n = 16) {
  return make_media_packet(PacketKind::Video, ts, false, false, inter_body(n));
}
inline PacketPtr audio_packet(std::uint32_t ts, std::size_t n = 8) {
  return make_media_packet(PacketKind::Audio, ts, false, false, aac_body(1, n));
}
inline PacketPtr video_header_packet(std::uint32_t ts = 0) {
  return make_media_packet(PacketKind::Video, ts, true, true, video_body(1, 0, 8));
}
inline PacketPtr audio_header_packet(std::uint32_t ts = 0) {
  return make_media_packet(PacketKind::Audio, ts, false, true, aac_body(0, 2));
}
inline PacketPtr metadata_packet(std::uint32_t ts = 0) {
  return make_media_packet(PacketKind::Metadata, ts, false, false,
                           SharedBuffer(std::vector<std::uint8_t>{2, 0, 1, 'x', 5}));
}
inline PacketPtr control_packet(std::size_t n = 20) {
  return make_control_packet(SharedBuffer(std::vector<std::uint8_t>(n, 0x03)));
}

/// A packet's wire form `f` as one byte string: what a viewer's socket receives of it.
inline std::vector<std::uint8_t> wire_bytes(const Packet& p, WireFormat f) {
  std::vector<std::uint8_t> out;
  p.for_each_wire_piece(f, [&](std::span<const std::uint8_t> piece) {
    out.insert(out.end(), piece.begin(), piece.end());
  });
  return out;
}

/// The tags of real_flv.hpp, in file order (see the comment there).
struct RealStream {
  flv::Tag metadata, video_header, audio_header, audio0, key, audio1, audio2, inter1, audio3,
      audio4, inter2;
};
inline RealStream real_stream() {
  flv::Demuxer demuxer;
  std::vector<flv::Tag> tags;
  auto st = demuxer.feed(testdata::kRealFlv, tags);
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(tags.size(), 11u);
  tags.resize(11);
  return {tags[0], tags[1], tags[2], tags[3], tags[4], tags[5],
          tags[6], tags[7], tags[8], tags[9], tags[10]};
}

inline StreamId stream(std::string user = "alice", StreamKind kind = StreamKind::Main) {
  return StreamId{"abcdefghijklmnopqrstuvwx", "room1", std::move(user), kind};
}

/// A playing connection: records every delivered packet and feeds a ViewerQueue the way the
/// server's connections do, so per-viewer mute behaves as in production.
class FakeViewer : public ViewerSink {
 public:
  explicit FakeViewer(std::string id = "bob", QueueLimits limits = {1u << 30, 1u << 30, 1u << 20})
      : id_(std::move(id)), queue(WireFormat::Rtmp, limits) {}

  void deliver(const PacketPtr& packet) override {
    delivered.push_back(packet);
    queue.push(packet);
  }
  void deliver_backlog(const PacketPtr& packet) override {
    delivered.push_back(packet);
    ++delivered_as_backlog;
    queue.push_backlog(packet);
  }
  void close_viewer(std::string_view reason) override { closes.emplace_back(reason); }
  void set_remote_mute(bool audio, bool video) override {
    mute_calls.push_back({audio, video, delivered.size()});
    queue.set_mute(audio, video);
  }
  const std::string& viewer_id() const override { return id_; }
  ViewerStats viewer_stats() const override {
    return {bytes_out, queue.dropped_video(), queue.dropped_audio(), queue.size()};
  }

  /// What the connection would write: everything the queue lets through.
  std::vector<PacketPtr> sent() {
    std::vector<PacketPtr> out;
    queue.take(out, SIZE_MAX, SIZE_MAX);
    return out;
  }

  struct MuteCall {
    bool audio, video;
    std::size_t delivered_before;
  };
  std::string id_;
  ViewerQueue queue;
  std::vector<PacketPtr> delivered;
  std::size_t delivered_as_backlog = 0;  // of `delivered`, those given as start backlog
  std::vector<std::string> closes;
  std::vector<MuteCall> mute_calls;
  std::uint64_t bytes_out = 0;
};

/// A publishing connection. `on_close` may re-enter the hub, as a careless connection would.
class FakePublisher : public PublisherHandle {
 public:
  void close_publisher(std::string_view reason, bool is_for_good) override {
    // The count of closes before it tells which closes were for good.
    if (is_for_good) for_good.push_back(std::to_string(closes.size()) + ":" + std::string(reason));
    closes.emplace_back(reason);
    if (on_close) on_close();
  }
  bool local() const override { return is_local; }
  bool replays_start() const override { return replays; }
  std::vector<std::string> closes;
  std::vector<std::string> for_good;  // "<closes before it>:<reason>"
  std::function<void()> on_close;
  bool is_local = true;
  bool replays = false;  // a relay upstream: its first GOP is the origin's GOP cache
};

}  // namespace minirtc::media::fakes
