// The per-viewer queue: keyframe waiting, mute filters, bounds and the drop policy.

#include "media/viewer_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <unordered_map>
#include <vector>

#include "unit/media/media_test_support.hpp"

namespace minirtc::media {
namespace {

using namespace fakes;

constexpr QueueLimits kHuge{1u << 30, 1u << 30, 1u << 20};

QueueLimits max_packets(std::size_t n) {
  return {1u << 30, 1u << 30, n};
}

std::vector<PacketPtr> take_all(ViewerQueue& q) {
  std::vector<PacketPtr> out;
  q.take(out, SIZE_MAX, SIZE_MAX);
  return out;
}

std::size_t video_count(const std::vector<PacketPtr>& v) {
  return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), [](auto& p) {
    return p->kind == PacketKind::Video && !p->sequence_header;
  }));
}

TEST(ViewerQueue, StartsWaitingForAKeyframe) {
  ViewerQueue q(WireFormat::Rtmp, kHuge);
  EXPECT_TRUE(q.waiting_keyframe());
  EXPECT_TRUE(q.empty());
  q.push(inter_packet(0));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.dropped_video(), 1u);

  // Audio, headers, metadata and control do not wait for a keyframe.
  std::vector<PacketPtr> expect{audio_packet(0), video_header_packet(), audio_header_packet(),
                                metadata_packet(), control_packet()};
  for (auto& p : expect) q.push(p);
  EXPECT_TRUE(q.waiting_keyframe());
  expect.push_back(key_packet(40));
  q.push(expect.back());
  EXPECT_FALSE(q.waiting_keyframe());
  expect.push_back(inter_packet(80));
  q.push(expect.back());
  EXPECT_EQ(q.size(), expect.size());
  EXPECT_EQ(take_all(q), expect);
  EXPECT_EQ(q.dropped_video(), 1u);
  EXPECT_EQ(q.dropped_audio(), 0u);
}

TEST(ViewerQueue, TakeIsOldestFirstAndAccountsWireBytes) {
  for (auto format : {WireFormat::Rtmp, WireFormat::Flv}) {
    ViewerQueue q(format, kHuge);
    std::vector<PacketPtr> packets{key_packet(0, 100), audio_packet(10, 30),
                                   inter_packet(40, 70000), control_packet(9)};
    std::size_t bytes = 0;
    for (auto& p : packets) {
      q.push(p);
      bytes += p->wire_size(format);
    }
    EXPECT_EQ(q.bytes(), bytes);
    std::vector<PacketPtr> out;
    q.take(out, 2, SIZE_MAX);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0], packets[0]);  // the very same shared packet
    EXPECT_EQ(out[1], packets[1]);
    EXPECT_EQ(q.size(), 2u);
    EXPECT_EQ(q.bytes(), bytes - packets[0]->wire_size(format) - packets[1]->wire_size(format));
    q.take(out, 0, SIZE_MAX);
    EXPECT_EQ(out.size(), 2u);
    q.take(out, 10, SIZE_MAX);
    EXPECT_EQ(out, packets);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.bytes(), 0u);
    q.take(out, 10, SIZE_MAX);  // nothing left: a no-op
    EXPECT_EQ(out.size(), 4u);
  }
}

TEST(ViewerQueue, TakeStaysWithinThePieceBudgetButAlwaysTakesOne) {
  // RTMP pieces: key 2, audio 2, a 3-chunk frame 6, control 1. A write's iovecs are bounded, so
  // take() stops before the packet that would pass the budget; a packet alone over it still goes.
  ViewerQueue q(WireFormat::Rtmp, kHuge);
  std::vector<PacketPtr> packets{key_packet(0, 100), audio_packet(10, 30),
                                 inter_packet(40, 2 * kOutChunkSize + 1), control_packet(9)};
  for (auto& p : packets) q.push(p);
  ASSERT_EQ(packets[2]->wire_pieces(WireFormat::Rtmp), 6u);
  std::vector<PacketPtr> out;
  q.take(out, SIZE_MAX, 5);  // 2 + 2 fit, + 6 does not
  EXPECT_EQ(out, std::vector<PacketPtr>(packets.begin(), packets.begin() + 2));
  out.clear();
  q.take(out, SIZE_MAX, 5);  // the 6-piece frame alone is over the budget: taken anyway
  EXPECT_EQ(out, std::vector<PacketPtr>{packets[2]});
  out.clear();
  q.take(out, SIZE_MAX, 1);
  EXPECT_EQ(out, std::vector<PacketPtr>{packets[3]});
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(ViewerQueue, WaitForKeyframeOnDemand) {
  ViewerQueue q(WireFormat::Rtmp, kHuge);
  q.push(key_packet(0));
  q.push(inter_packet(40));
  q.wait_for_keyframe();
  EXPECT_TRUE(q.waiting_keyframe());
  q.push(inter_packet(80));
  q.push(audio_packet(90));
  q.push(key_packet(120));
  auto out = take_all(q);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[2]->kind, PacketKind::Audio);
  EXPECT_TRUE(out[3]->keyframe);
  EXPECT_EQ(q.dropped_video(), 1u);
}

TEST(ViewerQueue, MuteAudioFiltersAndRemovesQueuedAudio) {
  ViewerQueue q(WireFormat::Rtmp, kHuge);
  q.push(key_packet(0));
  q.push(audio_packet(10));
  q.push(audio_packet(20));
  q.set_mute(true, false);
  EXPECT_TRUE(q.audio_muted());
  EXPECT_FALSE(q.video_muted());
  EXPECT_EQ(q.size(), 1u);
  q.push(audio_packet(30));         // filtered
  q.push(audio_header_packet(30));  // headers still pass: needed when audio resumes
  q.push(inter_packet(40));
  auto out = take_all(q);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0]->keyframe);
  EXPECT_TRUE(out[1]->sequence_header);
  EXPECT_EQ(out[2]->kind, PacketKind::Video);
  EXPECT_EQ(q.bytes(), 0u);

  // Audio resumes at once: any AAC frame is decodable.
  q.set_mute(false, false);
  EXPECT_FALSE(q.waiting_keyframe());
  q.push(audio_packet(50));
  q.push(inter_packet(80));
  EXPECT_EQ(q.size(), 2u);
}

TEST(ViewerQueue, MuteVideoResumesOnlyFromAKeyframe) {
  ViewerQueue q(WireFormat::Flv, kHuge);
  q.push(key_packet(0));
  q.push(inter_packet(40));
  q.push(audio_packet(45));
  q.set_mute(false, true);
  EXPECT_TRUE(q.video_muted());
  EXPECT_EQ(q.size(), 1u);  // queued video removed, audio kept
  q.push(key_packet(80));   // filtered, even a keyframe
  q.push(inter_packet(120));
  q.push(video_header_packet(120));  // headers pass
  q.push(audio_packet(125));
  EXPECT_EQ(q.size(), 3u);

  q.set_mute(false, false);
  EXPECT_TRUE(q.waiting_keyframe());
  const auto dropped = q.dropped_video();
  q.push(inter_packet(160));  // not decodable: dropped
  EXPECT_EQ(q.dropped_video(), dropped + 1);
  q.push(key_packet(200));
  q.push(inter_packet(240));
  auto out = take_all(q);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_TRUE(out[3]->keyframe);
  EXPECT_EQ(out[3]->timestamp, 200u);
  EXPECT_EQ(out[4]->timestamp, 240u);
  EXPECT_EQ(video_count(out), 2u);
}

TEST(ViewerQueue, MuteFilteredPacketsAreNotCountedAsDrops) {
  ViewerQueue q(WireFormat::Rtmp, kHuge);
  q.set_mute(true, true);
  for (int i = 0; i < 5; ++i) {
    q.push(audio_packet(i * 10));
    q.push(i == 0 ? key_packet(i * 10) : inter_packet(i * 10));
  }
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.dropped_audio(), 0u);
  EXPECT_EQ(q.dropped_video(), 0u);
}

TEST(ViewerQueue, UnmutingVideoThatWasNotMutedKeepsTheGop) {
  ViewerQueue q(WireFormat::Rtmp, kHuge);
  q.push(key_packet(0));
  q.set_mute(true, false);
  q.set_mute(false, false);  // video never muted: no need to wait
  EXPECT_FALSE(q.waiting_keyframe());
  q.push(inter_packet(40));
  EXPECT_EQ(q.size(), 2u);
}

TEST(ViewerQueue, FallingBehindJumpsToTheNewestQueuedKeyframe) {
  ViewerQueue q(WireFormat::Rtmp, max_packets(8));
  q.push(key_packet(0));
  q.push(inter_packet(40));
  q.push(audio_packet(45));
  q.push(inter_packet(80));
  q.push(audio_packet(85));
  auto key = key_packet(120);
  q.push(key);
  q.push(inter_packet(160));
  q.push(audio_packet(165));
  EXPECT_EQ(q.size(), 8u);
  EXPECT_EQ(q.dropped_video(), 0u);
  q.push(audio_packet(170));  // ninth: over the bound
  EXPECT_EQ(q.dropped_video(), 3u);
  EXPECT_EQ(q.dropped_audio(), 0u);
  EXPECT_FALSE(q.waiting_keyframe());
  auto out = take_all(q);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(out[0]->timestamp, 45u);  // audio before the keyframe is kept
  EXPECT_EQ(out[1]->timestamp, 85u);
  EXPECT_EQ(out[2], key);
  EXPECT_EQ(out[3]->timestamp, 160u);
  EXPECT_EQ(out[4]->timestamp, 165u);
  EXPECT_EQ(out[5]->timestamp, 170u);
}

TEST(ViewerQueue, FallingBehindWithoutANewerKeyframeDropsAllVideoAndWaits) {
  ViewerQueue q(WireFormat::Rtmp, max_packets(5));
  q.push(key_packet(0));
  q.push(inter_packet(40));
  q.push(audio_packet(45));
  q.push(inter_packet(80));
  q.push(audio_packet(85));
  q.push(inter_packet(120));  // sixth
  EXPECT_TRUE(q.waiting_keyframe());
  EXPECT_EQ(q.dropped_video(), 4u);
  EXPECT_EQ(q.dropped_audio(), 0u);
  EXPECT_EQ(q.size(), 2u);
  q.push(inter_packet(160));  // still waiting
  EXPECT_EQ(q.dropped_video(), 5u);
  q.push(audio_packet(165));
  q.push(key_packet(200));
  q.push(inter_packet(240));
  auto out = take_all(q);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0]->kind, PacketKind::Audio);
  EXPECT_EQ(out[1]->kind, PacketKind::Audio);
  EXPECT_EQ(out[2]->kind, PacketKind::Audio);
  EXPECT_TRUE(out[3]->keyframe);
  EXPECT_EQ(out[4]->timestamp, 240u);
}

TEST(ViewerQueue, NeverLeavesFramesWhoseKeyframeWasDropped) {
  // The newest keyframe has headers (not media) before it, so "jumping" to it drops nothing;
  // the queue is still over its bound and the keyframe is the oldest media. Dropping only the
  // keyframe would leave its inter frames queued, undecodable: the whole GOP must go.
  ViewerQueue q(WireFormat::Rtmp, max_packets(5));
  q.push(video_header_packet());
  q.push(key_packet(0));
  q.push(inter_packet(40));
  q.push(audio_packet(45));
  q.push(audio_packet(60));
  q.push(audio_packet(70));  // sixth
  EXPECT_TRUE(q.waiting_keyframe());
  EXPECT_EQ(q.dropped_video(), 2u);
  EXPECT_EQ(q.dropped_audio(), 0u);
  auto out = take_all(q);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_TRUE(out[0]->sequence_header);
  EXPECT_EQ(video_count(out), 0u);
}

TEST(ViewerQueue, AudioIsDroppedOldestFirstOnlyWhenStillOver) {
  ViewerQueue q(WireFormat::Rtmp, max_packets(3));
  for (std::uint32_t i = 0; i < 3; ++i) q.push(audio_packet(i * 20));
  EXPECT_EQ(q.dropped_audio(), 0u);
  q.push(audio_packet(60));
  EXPECT_EQ(q.dropped_audio(), 1u);
  auto out = take_all(q);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]->timestamp, 20u);
  EXPECT_EQ(out[2]->timestamp, 60u);
}

TEST(ViewerQueue, HeadersMetadataAndControlAreNeverDropped) {
  ViewerQueue q(WireFormat::Rtmp, {100, 64, 2});
  std::vector<PacketPtr> keep{video_header_packet(), audio_header_packet(), metadata_packet(),
                              control_packet(200)};
  for (auto& p : keep) {
    q.push(p);
    q.push(audio_packet(0));
  }
  q.push(key_packet(0));
  q.push(inter_packet(5000));
  auto out = take_all(q);
  EXPECT_EQ(out, keep);
  EXPECT_EQ(q.dropped_audio(), 4u);
  EXPECT_EQ(q.dropped_video(), 2u);
  EXPECT_EQ(q.bytes(), 0u);
}

// Found writing fuzz_media_hub's queue bound: metadata and sequence headers were never dropped, so
// a publisher repeating them to a viewer that does not read grew its queue without bound. Once no
// media is left to shed, only the newest of each stays (nothing queued needs an older one).
TEST(ViewerQueue, RepeatedMetadataAndHeadersToAStalledViewerKeepOnlyTheNewest) {
  ViewerQueue q(WireFormat::Rtmp, {100, 4096, 8});
  PacketPtr meta, video_header, audio_header;
  for (int i = 0; i < 1000; ++i) {
    q.push(meta = metadata_packet());
    q.push(video_header = video_header_packet());
    q.push(audio_header = audio_header_packet());
    EXPECT_LE(q.size(), 8u);
  }
  auto out = take_all(q);
  ASSERT_FALSE(out.empty());
  EXPECT_LE(out.size(), 8u);
  EXPECT_EQ(out.end()[-3], meta);
  EXPECT_EQ(out.end()[-2], video_header);
  EXPECT_EQ(out.end()[-1], audio_header);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(ViewerQueue, BoundedByDelay) {
  ViewerQueue q(WireFormat::Rtmp, {800, 1u << 30, 1u << 20});
  q.push(key_packet(0));
  q.push(audio_packet(100));
  q.push(inter_packet(400));
  q.push(audio_packet(800));  // spans exactly 800 ms: fine
  EXPECT_EQ(q.size(), 4u);
  q.push(inter_packet(801));
  EXPECT_TRUE(q.waiting_keyframe());
  EXPECT_EQ(q.dropped_video(), 3u);
  auto out = take_all(q);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]->timestamp, 100u);
  EXPECT_EQ(out[1]->timestamp, 800u);
}

TEST(ViewerQueue, DelayIgnoresControlPackets) {
  // Control packets have timestamp 0; they must not make the queue look 10 s long.
  ViewerQueue q(WireFormat::Rtmp, {800, 1u << 30, 1u << 20});
  q.push(control_packet());
  q.push(key_packet(10000));
  q.push(inter_packet(10040));
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.dropped_video(), 0u);
}

TEST(ViewerQueue, DelayJumpKeepsRecentAudio) {
  ViewerQueue q(WireFormat::Rtmp, {800, 1u << 30, 1u << 20});
  q.push(key_packet(0));
  q.push(inter_packet(200));
  q.push(audio_packet(300));
  auto key = key_packet(700);
  q.push(key);
  q.push(inter_packet(900));  // 900 ms: jump to the keyframe at 700
  EXPECT_FALSE(q.waiting_keyframe());
  EXPECT_EQ(q.dropped_video(), 2u);
  EXPECT_EQ(q.dropped_audio(), 0u);
  auto out = take_all(q);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]->timestamp, 300u);
  EXPECT_EQ(out[1], key);
}

TEST(ViewerQueue, StaleAudioBeforeTheNewestKeyframeGoesBeforeTheKeyframe) {
  ViewerQueue q(WireFormat::Rtmp, {800, 1u << 30, 1u << 20});
  q.push(key_packet(0));
  q.push(audio_packet(0));
  q.push(inter_packet(100));
  auto key = key_packet(850);
  q.push(key);  // jump to it; the audio at 0 still spans 850 ms and goes
  EXPECT_FALSE(q.waiting_keyframe());
  EXPECT_EQ(q.dropped_video(), 2u);
  EXPECT_EQ(q.dropped_audio(), 1u);
  auto out = take_all(q);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], key);
}

TEST(ViewerQueue, BoundedByBytes) {
  // FLV wire of a 16-byte-body keyframe: 11 + 21 + 4 = 36 bytes.
  ViewerQueue q(WireFormat::Flv, {1u << 30, 100, 1u << 20});
  q.push(key_packet(0));
  q.push(inter_packet(40));
  EXPECT_EQ(q.bytes(), 72u);
  q.push(inter_packet(80));  // 108 > 100
  EXPECT_LE(q.bytes(), 100u);
  EXPECT_TRUE(q.waiting_keyframe());
  EXPECT_EQ(q.dropped_video(), 3u);
  // A keyframe larger than the whole bound cannot be queued (nothing else to drop).
  q.push(key_packet(120, 500));
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.dropped_video(), 4u);
}

// Randomised: many packet sequences, random takes, mutes and limits. What a viewer receives must
// always be decodable (every inter frame follows its predecessor, first video is a keyframe), in
// order, with every header/metadata/control packet; the queue never exceeds its bounds except by
// packets that are never dropped; and every media packet is either sent, counted as dropped, or
// was filtered by a mute.
TEST(ViewerQueue, RandomisedInvariants) {
  for (std::uint32_t seed = 1; seed <= 150; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    auto uniform = [&](std::uint32_t lo, std::uint32_t hi) {
      return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng);
    };
    const QueueLimits limits{uniform(50, 2000), uniform(2000, 200000), uniform(4, 80)};
    const auto format = seed % 2 ? WireFormat::Rtmp : WireFormat::Flv;
    ViewerQueue q(format, limits);

    struct Info {
      std::uint64_t order;
      std::int64_t video_index;  // -1 unless a video frame
      bool droppable;
    };
    std::unordered_map<const Packet*, Info> info;
    std::vector<PacketPtr> alive;  // keeps pointers unique while `info` refers to them
    std::uint64_t order = 0;
    std::int64_t video_index = 0;
    std::uint32_t ts = uniform(0, 100000);
    bool mute_audio = false, mute_video = false;
    std::uint64_t media_pushed = 0, media_filtered = 0, media_sent = 0;
    std::uint64_t fixed_pushed = 0, fixed_sent = 0;
    std::size_t fixed_count = 0, fixed_bytes = 0;  // non-droppable packets queued now
    std::uint64_t last_order_sent = 0;
    bool any_sent = false;
    std::int64_t last_video_sent = -2;  // -2: none yet

    auto check_sent = [&](const std::vector<PacketPtr>& out) {
      for (auto& p : out) {
        const auto& i = info.at(p.get());
        if (any_sent) {
          EXPECT_GT(i.order, last_order_sent);
        }
        any_sent = true;
        last_order_sent = i.order;
        if (!i.droppable) {
          ++fixed_sent;
          --fixed_count;
          fixed_bytes -= p->wire_size(format);
          continue;
        }
        ++media_sent;
        if (i.video_index >= 0) {
          if (!p->keyframe) {
            EXPECT_EQ(last_video_sent, i.video_index - 1) << "undecodable frame";
          }
          last_video_sent = i.video_index;
        }
      }
    };

    for (int op = 0; op < 2500; ++op) {
      const auto r = uniform(0, 99);
      if (r < 75) {
        ts += uniform(0, 50);
        PacketPtr p;
        const auto what = uniform(0, 99);
        if (what < 3) {
          p = what == 0   ? video_header_packet(ts)
              : what == 1 ? metadata_packet(ts)
                          : control_packet();
        } else if (what < 50) {
          p = audio_packet(ts, uniform(1, 400));
        } else {
          const std::size_t size = uniform(0, 20) == 0 ? uniform(5000, 40000) : uniform(1, 3000);
          p = uniform(0, 14) == 0 ? key_packet(ts, size) : inter_packet(ts, size);
        }
        info[p.get()] = {++order,
                         p->droppable() && p->kind == PacketKind::Video ? video_index++ : -1,
                         p->droppable()};
        alive.push_back(p);
        if (p->droppable()) {
          ++media_pushed;
          if ((p->kind == PacketKind::Audio && mute_audio) ||
              (p->kind == PacketKind::Video && mute_video))
            ++media_filtered;
        } else {
          ++fixed_pushed;
          ++fixed_count;
          fixed_bytes += p->wire_size(format);
        }
        q.push(p);
        EXPECT_LE(q.size(), std::max(limits.max_packets, fixed_count));
        EXPECT_LE(q.bytes(), std::max(limits.max_bytes, fixed_bytes));
        if (uniform(0, 20) == 0) {
          // Drain right after a push: the media waiting must span at most max_delay_ms.
          const auto bytes = q.bytes();
          auto out = take_all(q);
          std::size_t sum = 0;
          std::uint32_t lo = UINT32_MAX, hi = 0;
          for (auto& x : out) {
            sum += x->wire_size(format);
            if (x->droppable()) lo = std::min(lo, x->timestamp), hi = std::max(hi, x->timestamp);
          }
          EXPECT_EQ(sum, bytes);
          if (lo <= hi) {
            EXPECT_LE(hi - lo, limits.max_delay_ms);
          }
          check_sent(out);
          EXPECT_EQ(q.bytes(), 0u);
        }
      } else if (r < 95) {
        std::vector<PacketPtr> out;
        q.take(out, uniform(0, 10), SIZE_MAX);
        check_sent(out);
      } else if (r < 99) {
        mute_audio = uniform(0, 3) == 0;
        mute_video = uniform(0, 3) == 0;
        q.set_mute(mute_audio, mute_video);
        EXPECT_EQ(q.audio_muted(), mute_audio);
        EXPECT_EQ(q.video_muted(), mute_video);
      } else {
        q.wait_for_keyframe();
      }
    }
    check_sent(take_all(q));
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.bytes(), 0u);
    EXPECT_EQ(fixed_sent, fixed_pushed);
    EXPECT_EQ(media_pushed, media_sent + media_filtered + q.dropped_audio() + q.dropped_video());
    if (::testing::Test::HasFailure()) break;
  }
}

// A new viewer's start (GOP cache) is seconds long by design: the delay bound must not shed it,
// or the viewer would wait for the publisher's next keyframe (found by the benchmark).
TEST(ViewerQueue, JoinBacklogLongerThanTheDelayBoundIsKept) {
  ViewerQueue q(WireFormat::Rtmp, QueueLimits{800, 1u << 20, 4096});
  q.push_backlog(video_header_packet());
  q.push_backlog(key_packet(0));
  for (std::uint32_t ts = 40; ts < 2000; ts += 40) q.push_backlog(inter_packet(ts));
  for (std::uint32_t ts = 2000; ts < 2200; ts += 40) q.push(inter_packet(ts));  // live, in time
  std::vector<PacketPtr> out;
  q.take(out, SIZE_MAX, SIZE_MAX);
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(out[0]->sequence_header);
  EXPECT_TRUE(out[1]->keyframe);
  EXPECT_EQ(out.back()->timestamp, 2160u);
  EXPECT_EQ(q.dropped_video(), 0u);
  EXPECT_EQ(q.backlog(), 0u);
}

TEST(ViewerQueue, LiveLagBehindTheBacklogStillSheds) {
  ViewerQueue q(WireFormat::Rtmp, QueueLimits{800, 1u << 20, 4096});
  q.push_backlog(key_packet(0));
  for (std::uint32_t ts = 40; ts < 1000; ts += 40) q.push_backlog(inter_packet(ts));
  // The viewer reads nothing while a second of live media arrives: over the bound.
  for (std::uint32_t ts = 1000; ts < 2000; ts += 40) q.push(inter_packet(ts));
  EXPECT_GT(q.dropped_video(), 0u);
  EXPECT_TRUE(q.waiting_keyframe());
  EXPECT_EQ(q.backlog(), 0u);
  q.push(key_packet(2000));
  std::vector<PacketPtr> out;
  q.take(out, SIZE_MAX, SIZE_MAX);
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(out[0]->keyframe);
  EXPECT_EQ(out[0]->timestamp, 2000u);
}

TEST(ViewerQueue, BacklogShrinksAsItIsTaken) {
  ViewerQueue q(WireFormat::Rtmp, QueueLimits{800, 1u << 20, 4096});
  q.push(control_packet());
  q.push_backlog(key_packet(0));
  q.push_backlog(inter_packet(40));
  EXPECT_EQ(q.backlog(), 3u);  // the control packet queued before it is part of the backlog
  std::vector<PacketPtr> out;
  q.take(out, 2, SIZE_MAX);
  EXPECT_EQ(q.backlog(), 1u);
  q.take(out, 5, SIZE_MAX);
  EXPECT_EQ(q.backlog(), 0u);
}

// Found by fuzz_media_hub in `make fuzz-long`: muting one kind measures the whole queue from then
// on (the join backlog's exemption ends), so a backlog longer than the bounds stayed over them
// until the next packet arrived. The bounds hold after every call, a mute included.
TEST(ViewerQueue, MutingABacklogOverTheBoundsShedsAtOnce) {
  ViewerQueue q(WireFormat::Rtmp, QueueLimits{1u << 30, 1u << 30, 8});
  q.push_backlog(key_packet(0));
  for (std::uint32_t ts = 20; ts < 400; ts += 20) q.push_backlog(audio_packet(ts));
  ASSERT_GT(q.size(), 8u);
  q.set_mute(false, true);  // video off: the keyframe goes, and the backlog is measured
  EXPECT_LE(q.size() - q.backlog(), 8u);
  EXPECT_GT(q.dropped_audio(), 0u);
}

}  // namespace
}  // namespace minirtc::media
