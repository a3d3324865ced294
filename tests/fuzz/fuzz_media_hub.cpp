// libFuzzer target: the stream hub driven as its connections drive it, checked after every step
// against what src/media/*.hpp promise.
//
// The input is a script of steps, each an operation byte and its arguments: publishers (three)
// publish, unpublish and send packets (audio, video, keyframes, sequence headers, metadata, the
// real encoder tags of tests/unit/media/real_flv.hpp, garbage) with fuzzer-chosen timestamps;
// viewers (four, each with a real ViewerQueue as the server's connections hold) attach, detach and
// read their queues, slowly or not at all; streams and viewers are muted; a second publisher takes
// a stream over; the clock advances and idle publishers are swept; streams are closed. Two of the
// three streams share a room, so mutes by stream and by viewer meet.
//
// Invariants checked after every step:
//  - queues stay within their bounds (packets and bytes behind the join backlog), and a viewer's
//    stats report its queue;
//  - on every viewer's wire (what take() returns): no video but a keyframe first after attaching,
//    after a skip (a dropped video packet) and after the viewer's video unmute; the start
//    sequence is metadata, sequence headers, then a GOP that begins with a keyframe; take()
//    honours its caps;
//  - live frames never go back in time within a track, across publishers too;
//  - after a stream's video unmute, the first video it forwards is a keyframe;
//  - counters: a source's viewer count, publisher and takeovers match what was done; frames,
//    bytes in and out and drops only grow while the source lives; the hub keeps exactly the
//    streams that have a publisher or a viewer;
//  - events: a publisher is closed only while it publishes, a viewer only while attached; a
//    stream announced live (on_live) is announced ended (on_ended) once it has no publisher.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "flv/demuxer.hpp"
#include "media/hub.hpp"
#include "media/viewer_queue.hpp"
#include "unit/media/real_flv.hpp"

namespace {

using namespace minirtc;
using namespace minirtc::media;

[[noreturn]] void broken(const char* what, int line) {
  std::fprintf(stderr, "media hub invariant broken (line %d): %s\n", line, what);
  std::abort();
}
#define CHECK(c)                    \
  do {                              \
    if (!(c)) broken(#c, __LINE__); \
  } while (0)

constexpr QueueLimits kQueue{300, 4096, 24};
constexpr GopLimits kGop{40, 16384, 3000};
constexpr std::uint32_t kIdleMs = 2000;
constexpr std::size_t kMaxWire = 3200;  // the largest packet below, in either wire form
const bool kTrace = std::getenv("FUZZ_TRACE") != nullptr;

const std::array<StreamId, 3> kStreams{
    StreamId{"abcdefghijklmnopqrstuvwx", "room1", "alice", StreamKind::Main},
    StreamId{"abcdefghijklmnopqrstuvwx", "room1", "alice", StreamKind::Screen},
    StreamId{"abcdefghijklmnopqrstuvwx", "room2", "carol", StreamKind::Main}};
const std::array<std::string, 2> kViewerIds{"bob", "dave"};

/// The real encoder's tags (metadata, AVC and AAC sequence headers, frames).
const std::vector<flv::Tag>& real_tags() {
  static const std::vector<flv::Tag> tags = [] {
    flv::Demuxer demuxer;
    std::vector<flv::Tag> out;
    if (!demuxer.feed(testdata::kRealFlv, out).ok()) std::abort();
    return out;
  }();
  return tags;
}

/// A stream's output timeline as viewers see it live (media/timeline.hpp): within a track (audio,
/// video) frames never go back, across publishers too. Timestamps are 32-bit and wrap, so "back"
/// is a negative signed 32-bit difference.
struct WireTimeline {
  std::optional<std::uint32_t> last[2];  // audio, video
  void output(const Packet& p) {
    if (!p.droppable()) return;  // metadata and headers are stamped where the timeline is
    auto& l = last[p.kind == PacketKind::Video ? 1 : 0];
    if (l) CHECK(static_cast<std::int32_t>(p.timestamp - *l) >= 0);
    l = p.timestamp;
  }
};

struct Publisher final : PublisherHandle {
  Source* source = nullptr;
  std::size_t stream = 0;
  void close_publisher(std::string_view, bool) override {
    CHECK(source != nullptr);  // closed only while publishing, once
    source = nullptr;
  }
};

struct Viewer final : ViewerSink {
  explicit Viewer(std::string id) : id(std::move(id)) {}

  void deliver(const PacketPtr& p) override {
    CHECK(attached);
    live_seen = true;
    timeline->output(*p);
    if (resume_pending && p->droppable() && p->kind == PacketKind::Video) {
      CHECK(p->keyframe);  // a stream's video resumes at a keyframe
      resume_pending = false;
    }
    queue->push(p);
  }
  void deliver_backlog(const PacketPtr& p) override {
    CHECK(attached);
    CHECK(!live_seen);  // the start sequence comes first
    ++backlog_packets;
    CHECK(backlog_packets <= 3 + kGop.max_packets);
    if (p->droppable()) {
      gop_seen = true;
      if (p->kind == PacketKind::Video && !gop_video_seen) {
        gop_video_seen = true;
        CHECK(p->keyframe);  // the GOP cache begins with a keyframe
      }
    } else {
      CHECK(!gop_seen);  // metadata and sequence headers precede the GOP
      if (p->kind == PacketKind::Video) expect_video_header = true;
      if (p->kind == PacketKind::Audio) expect_audio_header = true;
    }
    queue->push_backlog(p);
  }
  void close_viewer(std::string_view) override {
    CHECK(attached);
    closed = true;
  }
  void set_remote_mute(bool audio, bool video) override {
    const bool resumed = queue->video_muted() && !video;
    queue->set_mute(audio, video);
    if (resumed) need_key = true;
  }
  const std::string& viewer_id() const override { return id; }
  ViewerStats viewer_stats() const override {
    return {bytes_out, queue->dropped_video(), queue->dropped_audio(), queue->size()};
  }

  /// A new connection: a fresh queue and wire.
  void reset(WireFormat wire_format) {
    format = wire_format;
    queue.emplace(format, kQueue);
    closed = live_seen = gop_seen = gop_video_seen = false;
    expect_video_header = expect_audio_header = got_video_header = got_audio_header = false;
    need_key = true;
    resume_pending = false;
    backlog_packets = 0;
    bytes_out = 0;
    seen_dropped_video = 0;
  }

  /// The connection writes: up to `max_packets` / `max_pieces`, checked as a player would.
  void read(std::size_t max_packets, std::size_t max_pieces) {
    observe_drops();
    std::vector<PacketPtr> out;
    const auto before = queue->size();
    queue->take(out, max_packets, max_pieces);
    CHECK(out.size() <= max_packets);
    CHECK(before == queue->size() + out.size());
    std::size_t pieces = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const Packet& p = *out[i];
      if (kTrace)
        std::fprintf(stderr, "  %s read kind %d key %d header %d ts %u (need key %d)\n", id.c_str(),
                     static_cast<int>(p.kind), p.keyframe, p.sequence_header, p.timestamp,
                     need_key);
      pieces += p.wire_pieces(queue_format());
      CHECK(i == 0 || pieces <= max_pieces);
      std::size_t wire = 0;
      p.for_each_wire_piece(queue_format(),
                            [&](std::span<const std::uint8_t> s) { wire += s.size(); });
      CHECK(wire == p.wire_size(queue_format()));
      bytes_out += wire;
      if (p.kind == PacketKind::Video && p.sequence_header) got_video_header = true;
      if (p.kind == PacketKind::Audio && p.sequence_header) got_audio_header = true;
      if (p.droppable() && p.kind == PacketKind::Video) {
        CHECK(!expect_video_header || got_video_header);  // headers precede media
        if (need_key) CHECK(p.keyframe);
        need_key = false;
      }
      if (p.droppable() && p.kind == PacketKind::Audio)
        CHECK(!expect_audio_header || got_audio_header);
    }
  }

  /// A dropped video packet is a skip: the next video the viewer gets must be a keyframe.
  void observe_drops() {
    if (queue->dropped_video() != seen_dropped_video) need_key = true;
    seen_dropped_video = queue->dropped_video();
  }

  WireFormat queue_format() const { return format; }

  std::string id;
  WireFormat format = WireFormat::Rtmp;
  std::optional<ViewerQueue> queue;
  bool attached = false;
  Source* source = nullptr;  // set when attach() returns
  std::size_t stream = 0;
  WireTimeline* timeline = nullptr;
  bool closed = false;
  bool live_seen = false;  // a live (non-backlog) packet was delivered
  bool gop_seen = false, gop_video_seen = false;
  bool expect_video_header = false, expect_audio_header = false;
  bool got_video_header = false, got_audio_header = false;
  bool need_key = true;
  bool resume_pending = false;  // the stream's video was unmuted since the last video delivered
  std::size_t backlog_packets = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t seen_dropped_video = 0;
};

/// What the harness knows of one stream, to check the source against.
struct StreamModel {
  bool announced_live = false;
  bool stream_video_muted = false;
  std::uint32_t takeovers = 0;
  StreamStats last;  // counters seen at the previous step, while the source lives
  bool had_source = false;
  WireTimeline timeline;
};

class Harness {
 public:
  Harness() : hub_(HubConfig{kGop, true, kIdleMs}) {
    viewers_.reserve(2 * kViewerIds.size());  // the hub keeps pointers to them
    for (auto& id : kViewerIds) viewers_.emplace_back(id), viewers_.emplace_back(id);
    hub_.on_live([this](const StreamId& id, bool, bool) {
      Source* s = hub_.find(id);
      CHECK(s != nullptr && s->publisher() != nullptr);
      model(id).announced_live = true;
    });
    hub_.on_ended([this](const StreamId& id, const StreamEnd&) {
      auto& m = model(id);
      CHECK(m.announced_live);  // ended only what was announced live
      m.announced_live = false;
      Source* s = hub_.find(id);
      CHECK(s == nullptr || s->publisher() == nullptr);
    });
  }

  void run(FuzzedDataProvider& in) {
    while (in.remaining_bytes() > 0) {
      step(in);
      settle();
      check();
    }
    hub_.close_all("shutdown");
    settle();
    check();
  }

 private:
  StreamModel& model(const StreamId& id) {
    for (std::size_t i = 0; i < kStreams.size(); ++i)
      if (kStreams[i] == id) return models_[i];
    broken("event for an unknown stream", __LINE__);
  }

  void step(FuzzedDataProvider& in) {
    const auto op = in.ConsumeIntegralInRange<int>(0, 13);
    auto& pub = publishers_[in.ConsumeIntegralInRange<std::size_t>(0, publishers_.size() - 1)];
    auto& viewer = viewers_[in.ConsumeIntegralInRange<std::size_t>(0, viewers_.size() - 1)];
    const std::size_t s = in.ConsumeIntegralInRange<std::size_t>(0, kStreams.size() - 1);
    if (kTrace)  // FUZZ_TRACE=1 prints the script of a reproducer
      std::fprintf(stderr, "op %d publisher %zu viewer %zu stream %zu\n", op,
                   static_cast<std::size_t>(&pub - publishers_.data()),
                   static_cast<std::size_t>(&viewer - viewers_.data()), s);
    switch (op) {
      case 0: {  // publish (a takeover when someone publishes already)
        if (pub.source) break;
        Source* current = hub_.find(kStreams[s]);
        if (current && current->publisher()) ++models_[s].takeovers;
        pub.stream = s;
        pub.source = &hub_.publish(kStreams[s], &pub, now_);
        break;
      }
      case 1:
        if (pub.source) {
          Source* src = pub.source;
          pub.source = nullptr;
          hub_.unpublish(*src, &pub);
        }
        break;
      case 2:
      case 3:
      case 4:
      case 5:
        if (pub.source) ingest(pub, in);
        break;
      case 6: {  // attach: a new connection
        if (viewer.attached) break;
        viewer.reset(in.ConsumeBool() ? WireFormat::Rtmp : WireFormat::Flv);
        viewer.stream = s;
        viewer.timeline = &models_[s].timeline;
        viewer.attached = true;  // the start sequence is delivered inside attach()
        viewer.source = &hub_.attach(kStreams[s], &viewer);
        break;
      }
      case 7:
        if (viewer.source) detach(viewer);
        break;
      case 8:
      case 9:  // the connection writes: one packet, a few, or all it may
        if (viewer.source)
          viewer.read(in.ConsumeIntegralInRange<std::size_t>(1, 64),
                      in.ConsumeIntegralInRange<std::size_t>(1, 256));
        break;
      case 10: {  // muteLocal
        const bool audio = in.ConsumeBool(), video = in.ConsumeBool();
        if (kTrace) std::fprintf(stderr, "  stream mute audio %d video %d\n", audio, video);
        // Unmuted: what the stream forwards next is a keyframe (video queued before the mute
        // still goes out: it continues what the viewer had).
        if (models_[s].stream_video_muted && !video)
          for (auto& v : viewers_)
            if (v.source && v.stream == s) v.resume_pending = true;
        models_[s].stream_video_muted = video;
        hub_.set_stream_mute(kStreams[s], audio, video);
        break;
      }
      case 11: {  // muteRemote
        const bool audio = in.ConsumeBool(), video = in.ConsumeBool();
        if (kTrace) std::fprintf(stderr, "  viewer mute audio %d video %d\n", audio, video);
        hub_.set_viewer_mute(kStreams[s], viewer.id, audio, video);
        break;
      }
      case 12:  // time passes; idle publishers are swept
        now_ += in.ConsumeIntegralInRange<std::uint64_t>(0, 3 * kIdleMs);
        hub_.sweep(now_);
        break;
      case 13:
        hub_.close_stream(kStreams[s], "kicked");
        break;
    }
  }

  void ingest(Publisher& pub, FuzzedDataProvider& in) {
    // Timestamps: mostly small steps forward, sometimes back, sometimes anywhere.
    std::uint32_t& ts = publisher_ts_[&pub];
    switch (in.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
        ts = in.ConsumeIntegral<std::uint32_t>();
        break;
      case 1:
        ts -= in.ConsumeIntegralInRange<std::uint32_t>(0, 2000);
        break;
      default:
        ts += in.ConsumeIntegralInRange<std::uint32_t>(0, 100);
    }
    PacketKind kind = PacketKind::Video;
    std::vector<std::uint8_t> body;
    const auto shape = in.ConsumeIntegralInRange<int>(0, 9);
    const auto& real = real_tags();
    if (shape == 0) {  // a real encoder tag
      const auto& t = real[in.ConsumeIntegralInRange<std::size_t>(0, real.size() - 1)];
      kind = t.type == flv::TagType::Video   ? PacketKind::Video
             : t.type == flv::TagType::Audio ? PacketKind::Audio
                                             : PacketKind::Metadata;
      body.assign(t.data.view().begin(), t.data.view().end());
    } else {
      const auto n = in.ConsumeIntegralInRange<std::size_t>(0, shape == 9 ? 3000 : 200);
      switch (shape) {
        case 1:
        case 2:  // AVC key / inter frame
          body = {static_cast<std::uint8_t>(shape == 1 ? 0x17 : 0x27), 1, 0, 0, 0};
          break;
        case 3:  // AVC sequence header or end of sequence
          body = {0x17, static_cast<std::uint8_t>(in.ConsumeBool() ? 0 : 2), 0, 0, 0};
          break;
        case 4:  // AAC frame or sequence header
          kind = PacketKind::Audio;
          body = {0xAF, static_cast<std::uint8_t>(in.ConsumeBool() ? 1 : 0)};
          break;
        case 5:
          kind = PacketKind::Metadata;
          break;
        case 6:
          kind = PacketKind::Audio;
          break;
        default:  // video of any form, or a large frame
          break;
      }
      const auto tail = in.ConsumeBytes<std::uint8_t>(n);
      body.insert(body.end(), tail.begin(), tail.end());
      if (shape == 9 && !body.empty()) body[0] = in.ConsumeBool() ? 0x17 : 0x27;
    }
    Source* src = pub.source;
    if (kTrace)
      std::fprintf(stderr, "  ingest kind %d ts %u size %zu first bytes %02x %02x\n",
                   static_cast<int>(kind), ts, body.size(), body.empty() ? 0 : body[0],
                   body.size() < 2 ? 0 : body[1]);
    hub_.ingest(*src, kind, ts, SharedBuffer(std::move(body)), now_);
    for (auto& v : viewers_)
      if (v.source == src) v.observe_drops();
  }

  void detach(Viewer& v) {
    Source* src = v.source;
    hub_.detach(*src, &v);
    v.source = nullptr;
    v.attached = false;
  }

  /// Connections closed by the hub go away, as their sockets would.
  void settle() {
    for (auto& v : viewers_)
      if (v.source && v.closed) detach(v);
    for (std::size_t s = 0; s < kStreams.size(); ++s) {
      auto& m = models_[s];
      if (!hub_.find(kStreams[s])) {
        StreamModel fresh;  // a new source starts a new timeline and new counters
        fresh.announced_live = m.announced_live;
        fresh.stream_video_muted = m.stream_video_muted;
        m = fresh;
      }
    }
  }

  void check() {
    std::size_t streams = 0;
    for (std::size_t s = 0; s < kStreams.size(); ++s) {
      Source* src = hub_.find(kStreams[s]);
      auto& m = models_[s];
      std::size_t viewers = 0;
      for (auto& v : viewers_) viewers += v.source == src && src ? 1 : 0;
      Publisher* publisher = nullptr;
      for (auto& p : publishers_)
        if (p.source && p.source == src) publisher = &p;
      const bool used = viewers > 0 || publisher != nullptr;
      CHECK((src != nullptr) == used);  // the hub keeps exactly the streams in use
      if (!src) {
        CHECK(!m.announced_live);  // a stream that ended was announced ended
        continue;
      }
      ++streams;
      CHECK(src->publisher() == publisher);
      if (m.announced_live) CHECK(src->publisher() != nullptr);
      const auto st = src->stats(now_);
      CHECK(st.viewers == viewers);
      CHECK(st.publishing == (publisher != nullptr));
      CHECK(st.takeovers == m.takeovers);
      CHECK(st.keyframes <= st.video_frames);
      if (m.had_source) {
        const auto& l = m.last;
        CHECK(st.bytes_in >= l.bytes_in && st.video_frames >= l.video_frames &&
              st.audio_frames >= l.audio_frames && st.keyframes >= l.keyframes &&
              st.bad_messages >= l.bad_messages);
        CHECK(st.bytes_out >= l.bytes_out);
        CHECK(st.dropped_frames >= l.dropped_frames);
      }
      m.last = st;
      m.had_source = true;
    }
    CHECK(hub_.stream_count() == streams);
    for (auto& v : viewers_) {
      if (!v.source) continue;
      const ViewerQueue& q = *v.queue;
      CHECK(q.backlog() <= q.size() && q.backlog_bytes() <= q.bytes());
      CHECK(q.size() - q.backlog() <= kQueue.max_packets);
      // Over the byte bound only with no media left: the newest metadata and sequence headers.
      CHECK(q.bytes() - q.backlog_bytes() <= kQueue.max_bytes + 3 * kMaxWire);
      CHECK(v.viewer_stats().queued_packets == q.size());
    }
  }

  std::uint64_t now_ = 1'700'000'000'000;
  Hub hub_;
  std::array<Publisher, 3> publishers_;
  std::vector<Viewer> viewers_;
  std::array<StreamModel, 3> models_;
  std::map<const Publisher*, std::uint32_t> publisher_ts_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Harness harness;
  harness.run(in);
  return 0;
}
