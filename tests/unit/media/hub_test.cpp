// The stream hub and its sources: fan-out of shared packets, start sequence for new viewers,
// takeover, live/ended events, mutes, idle sweep, closing and statistics.

#include "media/hub.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "unit/media/media_test_support.hpp"

namespace minirtc::media {
namespace {

using namespace fakes;

PacketKind kind_of(const flv::Tag& t) {
  switch (t.type) {
    case flv::TagType::Audio:
      return PacketKind::Audio;
    case flv::TagType::Video:
      return PacketKind::Video;
    default:
      return PacketKind::Metadata;
  }
}

class HubTest : public ::testing::Test {
 protected:
  explicit HubTest(HubConfig config = {}) : hub(config) {
    hub.on_live([this](const StreamId& id, bool audio, bool video) {
      lives.push_back({id, audio, video});
    });
    hub.on_ended([this](const StreamId& id, const StreamEnd& how) {
      ended.push_back(id);
      ends.push_back(how);
    });
  }

  void feed(Source& s, const flv::Tag& t, std::uint64_t now = 1000) {
    hub.ingest(s, kind_of(t), t.timestamp, t.data, now);
  }
  void feed_all(Source& s, std::uint64_t now = 1000) {
    for (auto* t :
         {&real.metadata, &real.video_header, &real.audio_header, &real.audio0, &real.key,
          &real.audio1, &real.audio2, &real.inter1, &real.audio3, &real.audio4, &real.inter2})
      feed(s, *t, now);
  }
  void video(Source& s, bool key, std::uint32_t ts, std::uint64_t now = 1000,
             std::size_t size = 16) {
    hub.ingest(s, PacketKind::Video, ts, key ? key_body(size) : inter_body(size), now);
  }
  void audio(Source& s, std::uint32_t ts, std::uint64_t now = 1000, std::size_t size = 8) {
    hub.ingest(s, PacketKind::Audio, ts, aac_body(1, size), now);
  }

  static std::size_t count(const std::vector<PacketPtr>& v, PacketKind kind) {
    return static_cast<std::size_t>(std::count_if(
        v.begin(), v.end(), [&](auto& p) { return p->kind == kind && p->droppable(); }));
  }

  struct Live {
    StreamId id;
    bool audio, video;
  };
  Hub hub;
  RealStream real = real_stream();
  std::vector<Live> lives;
  std::vector<StreamId> ended;
  std::vector<StreamEnd> ends;  // why each ended
  const StreamId id = stream();
};

TEST_F(HubTest, EveryViewerGetsTheSamePacketNoCopies) {
  FakeViewer early("v1"), late("v2"), third("v3");
  hub.attach(id, &early);
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 1000);
  hub.attach(id, &late);
  hub.attach(id, &third);
  feed_all(s);

  const std::vector<const flv::Tag*> tags{&real.metadata, &real.video_header, &real.audio_header,
                                          &real.audio0,   &real.key,          &real.audio1,
                                          &real.audio2,   &real.inter1,       &real.audio3,
                                          &real.audio4,   &real.inter2};
  ASSERT_EQ(early.delivered.size(), tags.size());
  ASSERT_EQ(late.delivered.size(), tags.size());
  ASSERT_EQ(third.delivered.size(), tags.size());
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const auto& p = early.delivered[i];
    EXPECT_EQ(p, late.delivered[i]);  // one packet object
    EXPECT_EQ(p, third.delivered[i]);
    // Not even the ingest copies: the payload is the publisher's message buffer.
    EXPECT_EQ(p->payload.data(), tags[i]->data.data());
    EXPECT_EQ(p->timestamp, tags[i]->timestamp);  // first publisher: its own timeline
  }
  EXPECT_TRUE(early.delivered[1]->sequence_header);
  EXPECT_TRUE(early.delivered[2]->sequence_header);
  EXPECT_TRUE(early.delivered[4]->keyframe);
  EXPECT_FALSE(early.delivered[7]->keyframe);
  EXPECT_EQ(early.delivered[0]->kind, PacketKind::Metadata);

  // Through the viewer queue (which waits for a keyframe) the audio before it still passes.
  auto sent = early.sent();
  EXPECT_EQ(sent.size(), tags.size());
}

TEST_F(HubTest, LateViewerGetsHeadersAndTheGopAtOnceInOrder) {
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 1000);
  feed_all(s);
  FakeViewer v;
  EXPECT_EQ(&hub.attach(id, &v), &s);
  // metadata, video header, audio header, then the GOP: from the keyframe (audio0 came before it).
  const std::vector<const flv::Tag*> expect{
      &real.metadata, &real.video_header, &real.audio_header, &real.key,    &real.audio1,
      &real.audio2,   &real.inter1,       &real.audio3,       &real.audio4, &real.inter2};
  ASSERT_EQ(v.delivered.size(), expect.size());
  for (std::size_t i = 0; i < expect.size(); ++i)
    EXPECT_EQ(v.delivered[i]->payload.data(), expect[i]->data.data()) << i;
  EXPECT_EQ(v.delivered[0]->kind, PacketKind::Metadata);
  EXPECT_TRUE(v.delivered[1]->sequence_header && v.delivered[1]->kind == PacketKind::Video);
  EXPECT_TRUE(v.delivered[2]->sequence_header && v.delivered[2]->kind == PacketKind::Audio);
  EXPECT_TRUE(v.delivered[3]->keyframe && v.delivered[3]->kind == PacketKind::Video);
  // Nothing is lost on the way through its queue: it starts decodable.
  EXPECT_EQ(v.sent().size(), expect.size());
  EXPECT_EQ(v.queue.dropped_video(), 0u);

  // Then live media.
  video(s, false, 143);
  ASSERT_EQ(v.delivered.size(), expect.size() + 1);
  EXPECT_EQ(v.delivered.back()->timestamp, 143u);
}

TEST_F(HubTest, StatisticsFromRealSequenceHeaders) {
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 500);
  FakeViewer v;
  hub.attach(id, &v);
  feed_all(s);
  auto st = s.stats(1000);
  EXPECT_TRUE(st.publishing);
  EXPECT_TRUE(st.live);
  EXPECT_EQ(st.publish_started_ms, 500u);
  EXPECT_EQ(st.video_codec, "H.264 High 1.3");
  EXPECT_EQ(st.width, 320u);
  EXPECT_EQ(st.height, 240u);
  EXPECT_EQ(st.audio_codec, "AAC LC 44100 Hz 2 ch");
  EXPECT_EQ(st.video_frames, 3u);
  EXPECT_EQ(st.audio_frames, 5u);
  EXPECT_EQ(st.keyframes, 1u);
  EXPECT_EQ(st.bad_messages, 0u);
  EXPECT_EQ(st.viewers, 1u);
  EXPECT_EQ(st.takeovers, 0u);
  std::uint64_t bytes = 0;
  for (auto* t :
       {&real.metadata, &real.video_header, &real.audio_header, &real.audio0, &real.key,
        &real.audio1, &real.audio2, &real.inter1, &real.audio3, &real.audio4, &real.inter2})
    bytes += t->data.size();
  EXPECT_EQ(st.bytes_in, bytes);
  ASSERT_EQ(lives.size(), 1u);
  EXPECT_EQ(lives[0].id, id);
  EXPECT_TRUE(lives[0].audio);
  EXPECT_TRUE(lives[0].video);
}

TEST_F(HubTest, RatesGopAndViewerTotals) {
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 0);
  FakeViewer a("a"), b("b");
  hub.attach(id, &a);
  hub.attach(id, &b);
  // 25 fps of 995-byte video bodies and 50 audio frames of 250 bytes within [10000, 11000).
  for (int i = 0; i < 25; ++i) {
    const std::uint64_t now = 10000 + static_cast<std::uint64_t>(i) * 40;
    video(s, i == 0, static_cast<std::uint32_t>(i * 40), now, 990);
    audio(s, static_cast<std::uint32_t>(i * 40), now, 248);
    audio(s, static_cast<std::uint32_t>(i * 40 + 20), now + 20, 248);
  }
  auto st = s.stats(11000);
  EXPECT_EQ(st.fps, 25u);
  EXPECT_EQ(st.video_kbps, 25u * 995 * 8 / 1000);
  EXPECT_EQ(st.audio_kbps, 50u * 250 * 8 / 1000);
  EXPECT_EQ(s.stats(13000).fps, 0u);  // went quiet

  video(s, true, 2000, 13000);
  EXPECT_EQ(s.stats(13000).gop_ms, 2000u);
  video(s, true, 3500, 13000);
  EXPECT_EQ(s.stats(13000).gop_ms, 1500u);
  EXPECT_EQ(s.stats(13000).keyframes, 3u);

  // Bytes out and drops are summed over current and departed viewers.
  a.bytes_out = 1000;
  b.bytes_out = 500;
  FakeViewer c("c");
  hub.attach(id, &c);  // gets the GOP at once
  video(s, false, 3540, 13000);
  EXPECT_EQ(s.stats(13000).bytes_out, 1500u);
  EXPECT_EQ(s.stats(13000).dropped_frames, 0u);
  b.queue.wait_for_keyframe();
  video(s, false, 3580, 13000);
  video(s, false, 3620, 13000);
  EXPECT_EQ(s.stats(13000).dropped_frames, 2u);
  hub.detach(s, &b);
  auto st2 = s.stats(13000);
  EXPECT_EQ(st2.viewers, 2u);
  EXPECT_EQ(st2.bytes_out, 1500u);
  EXPECT_EQ(st2.dropped_frames, 2u);
}

TEST_F(HubTest, NewVideoSequenceHeaderClearsTheGopOnlyWhenItChanges) {
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 0);
  feed_all(s);
  feed(s, real.video_header);  // the same configuration again (some pushers repeat it)
  FakeViewer same("same");
  hub.attach(id, &same);
  EXPECT_EQ(count(same.delivered, PacketKind::Video), 3u);

  // A different configuration: cached frames belong to the old one.
  hub.ingest(s, PacketKind::Video, 150, video_body(1, 0, 30, 0x11), 1000);
  FakeViewer changed("changed");
  hub.attach(id, &changed);
  EXPECT_EQ(count(changed.delivered, PacketKind::Video), 0u);
  EXPECT_EQ(count(changed.delivered, PacketKind::Audio), 0u);
  ASSERT_EQ(changed.delivered.size(), 3u);
  // The new header replaced the old one; headers are stamped where the timeline is (the last
  // frame's 103), not by their own timestamp.
  EXPECT_EQ(changed.delivered[1]->payload.size(), 35u);
  EXPECT_EQ(changed.delivered[1]->timestamp, 103u);
  EXPECT_EQ(s.stats(1000).bad_messages, 1u);  // the synthetic record does not parse
  // The next keyframe starts a new GOP.
  video(s, true, 200);
  FakeViewer next("next");
  hub.attach(id, &next);
  EXPECT_EQ(count(next.delivered, PacketKind::Video), 1u);
}

TEST_F(HubTest, GopCacheCanBeDisabled) {
  Hub plain(HubConfig{GopLimits{}, false, 10000});
  FakePublisher pub;
  Source& s = plain.publish(id, &pub, 0);
  for (auto* t : {&real.metadata, &real.video_header, &real.audio_header, &real.key, &real.audio1})
    plain.ingest(s, kind_of(*t), t->timestamp, t->data, 1000);
  FakeViewer v;
  plain.attach(id, &v);
  ASSERT_EQ(v.delivered.size(), 3u);
  EXPECT_FALSE(v.delivered[2]->droppable());
}

TEST_F(HubTest, GopLimitsComeFromTheConfig) {
  Hub small(HubConfig{GopLimits{3, 1u << 20, 10000}, true, 10000});
  FakePublisher pub;
  Source& s = small.publish(id, &pub, 0);
  small.ingest(s, PacketKind::Video, 0, key_body(), 0);
  small.ingest(s, PacketKind::Video, 40, inter_body(), 0);
  small.ingest(s, PacketKind::Video, 80, inter_body(), 0);
  FakeViewer v1("v1");
  small.attach(id, &v1);
  EXPECT_EQ(v1.delivered.size(), 3u);
  small.ingest(s, PacketKind::Video, 120, inter_body(), 0);  // 4 > 3: not cached
  FakeViewer v2("v2");
  small.attach(id, &v2);
  EXPECT_TRUE(v2.delivered.empty());
}

TEST_F(HubTest, TakeoverKeepsViewersAndContinuesTheTimeline) {
  FakePublisher first, second;
  Source& s = hub.publish(id, &first, 1000);
  FakeViewer v;
  hub.attach(id, &v);
  feed_all(s);  // the highest timestamp is the last inter frame's, 103
  ASSERT_EQ(v.delivered.back()->timestamp, 103u);
  ASSERT_EQ(lives.size(), 1u);

  // A careless connection re-entering the hub from close_publisher must find it already moved on.
  first.on_close = [&] { hub.unpublish(s, &first); };
  Source& again = hub.publish(id, &second, 2000);
  EXPECT_EQ(&again, &s);
  ASSERT_EQ(first.closes.size(), 1u);  // synchronously
  EXPECT_EQ(first.closes[0], "taken over by a new publisher");
  // For good, told before the close (a forwarded push's node closes its encoder).
  EXPECT_EQ(first.for_good, std::vector<std::string>{"0:taken over by a new publisher"});
  EXPECT_TRUE(second.closes.empty());
  EXPECT_TRUE(ended.empty());  // no end announced
  EXPECT_EQ(s.publisher(), &second);
  ASSERT_EQ(s.viewers().size(), 1u);
  EXPECT_EQ(s.viewers()[0], &v);
  auto st = s.stats(2000);
  EXPECT_EQ(st.takeovers, 1u);
  EXPECT_TRUE(st.publishing);
  EXPECT_FALSE(st.live);  // live again with the new publisher's first media
  EXPECT_EQ(st.publish_started_ms, 2000u);

  // The old GOP is gone (the new encoder's headers cannot decode it).
  FakeViewer between("between");
  hub.attach(id, &between);
  EXPECT_EQ(count(between.delivered, PacketKind::Video), 0u);
  EXPECT_EQ(count(between.delivered, PacketKind::Audio), 0u);
  hub.detach(s, &between);

  // The new encoder starts at 0, one second after the first encoder's first frame arrived:
  // viewers see its header where the timeline is (103), then its frames from 1000 on (the time
  // that passed; see TimelineTest for the rule).
  const auto before = v.delivered.size();
  feed(s, real.video_header, 2000);
  EXPECT_TRUE(lives.size() == 1u);  // a header is not media yet
  video(s, true, 0, 2000);
  audio(s, 20, 2000);
  video(s, false, 40, 2040);
  ASSERT_EQ(v.delivered.size(), before + 4);
  EXPECT_EQ(v.delivered[before]->timestamp, 103u);
  EXPECT_EQ(v.delivered[before + 1]->timestamp, 1000u);
  EXPECT_EQ(v.delivered[before + 2]->timestamp, 1020u);
  EXPECT_EQ(v.delivered[before + 3]->timestamp, 1040u);
  ASSERT_EQ(lives.size(), 2u);  // on_live again for the new publish
  // The viewer never had to wait: its stream stayed decodable.
  EXPECT_EQ(v.sent().size(), v.delivered.size());

  // The stale publisher's unpublish is a no-op.
  hub.unpublish(s, &first);
  EXPECT_EQ(s.publisher(), &second);
  EXPECT_TRUE(ended.empty());
  EXPECT_EQ(hub.find(id), &s);

  hub.unpublish(s, &second);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0], id);
}

TEST_F(HubTest, TakeoverWithoutViewersKeepsTheSourceAlive) {
  FakePublisher first, second;
  Source& s = hub.publish(id, &first, 0);
  video(s, true, 5000);
  first.on_close = [&] { hub.unpublish(s, &first); };
  Source& again = hub.publish(id, &second, 10);
  EXPECT_EQ(&again, &s);
  EXPECT_EQ(hub.find(id), &s);
  EXPECT_EQ(s.publisher(), &second);
  EXPECT_TRUE(ended.empty());
  video(s, true, 0);
  FakeViewer v;
  hub.attach(id, &v);
  ASSERT_EQ(v.delivered.size(), 1u);
  EXPECT_EQ(v.delivered[0]->timestamp, 5001u);
}

TEST_F(HubTest, RepublishBySamePublisherIsNotATakeover) {
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 0);
  hub.publish(id, &pub, 10);
  EXPECT_TRUE(pub.closes.empty());
  EXPECT_EQ(s.stats(10).takeovers, 0u);
}

TEST_F(HubTest, EndedOnlyWhenALiveStreamsPublisherLeaves) {
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 0);
  EXPECT_EQ(hub.stream_count(), 1u);
  feed(s, real.video_header);  // headers only: not live
  EXPECT_TRUE(lives.empty());
  EXPECT_FALSE(s.live());
  hub.unpublish(s, &pub);
  EXPECT_TRUE(ended.empty());
  EXPECT_EQ(hub.find(id), nullptr);  // neither publisher nor viewers
  EXPECT_EQ(hub.stream_count(), 0u);

  Source& s2 = hub.publish(id, &pub, 0);
  video(s2, true, 0);
  ASSERT_EQ(lives.size(), 1u);
  EXPECT_FALSE(lives[0].audio);
  EXPECT_TRUE(lives[0].video);
  video(s2, false, 40);
  EXPECT_EQ(lives.size(), 1u);  // once per publish
  hub.unpublish(s2, &pub);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ends[0].reason, "publisher stopped");  // the default: a clean unpublish
  EXPECT_FALSE(ends[0].failed);
  EXPECT_EQ(hub.stream_count(), 0u);

  // The connection says why when it was lost rather than unpublished.
  Source& s3 = hub.publish(id, &pub, 0);
  video(s3, true, 0);
  hub.unpublish(s3, &pub, {"peer closed", true});
  ASSERT_EQ(ends.size(), 2u);
  EXPECT_EQ(ends[1].reason, "peer closed");
  EXPECT_TRUE(ends[1].failed);
}

// Found by fuzz_media_hub: a stream announced live, taken over by a publisher that leaves (or is
// kicked) before sending media, was never announced ended, so the room kept a dead stream live.
TEST_F(HubTest, EndAnnouncedWhenATakingOverPublisherLeavesBeforeItsMedia) {
  FakePublisher first, second;
  Source& s = hub.publish(id, &first, 0);
  video(s, true, 0);
  ASSERT_EQ(lives.size(), 1u);
  hub.publish(id, &second, 10);  // the encoder reconnects...
  EXPECT_TRUE(ended.empty());
  hub.unpublish(s, &second);  // ...and drops before its first frame
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0], id);
  EXPECT_EQ(hub.find(id), nullptr);

  // The same through close_stream (kick), with a viewer keeping the source.
  FakeViewer v;
  Source& s2 = hub.attach(id, &v);
  hub.publish(id, &first, 20);
  video(s2, true, 0);
  ASSERT_EQ(lives.size(), 2u);
  hub.publish(id, &second, 30);
  hub.close_stream(id, "kicked");
  ASSERT_EQ(ended.size(), 2u);
  hub.detach(s2, &v);

  // A publish that never went live still announces nothing.
  Source& s3 = hub.publish(id, &first, 40);
  hub.unpublish(s3, &first);
  EXPECT_EQ(ended.size(), 2u);
}

TEST_F(HubTest, SourceLivesWhileItHasViewers) {
  FakePublisher pub;
  FakeViewer v;
  Source& s = hub.publish(id, &pub, 0);
  hub.attach(id, &v);
  audio(s, 0);
  hub.unpublish(s, &pub);
  EXPECT_EQ(ended.size(), 1u);
  ASSERT_EQ(hub.find(id), &s);
  EXPECT_EQ(s.publisher(), nullptr);
  EXPECT_FALSE(s.stats(0).publishing);
  hub.detach(s, &v);
  EXPECT_EQ(hub.find(id), nullptr);
}

TEST_F(HubTest, ViewerAttachedBeforeThePublisherGetsTheStream) {
  FakeViewer v;
  Source& waiting = hub.attach(id, &v);
  EXPECT_EQ(hub.stream_count(), 1u);
  EXPECT_EQ(waiting.publisher(), nullptr);
  EXPECT_TRUE(v.delivered.empty());
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 0);
  EXPECT_EQ(&s, &waiting);
  feed_all(s);
  EXPECT_EQ(v.delivered.size(), 11u);
  EXPECT_EQ(lives.size(), 1u);
  // Another stream (the screen of the same user) is separate.
  FakeViewer other;
  hub.attach(stream("alice", StreamKind::Screen), &other);
  EXPECT_EQ(hub.stream_count(), 2u);
  EXPECT_TRUE(other.delivered.empty());
}

TEST_F(HubTest, DetachUnknownViewerIsHarmless) {
  FakeViewer v, stranger("x");
  Source& s = hub.attach(id, &v);
  hub.detach(s, &stranger);
  EXPECT_EQ(s.viewers().size(), 1u);
}

TEST_F(HubTest, StreamMuteIsRememberedAndVideoResumesAtAKeyframe) {
  hub.set_stream_mute(id, true, false);  // before the stream exists
  FakeViewer v;
  FakePublisher pub;
  hub.attach(id, &v);
  Source& s = hub.publish(id, &pub, 0);
  EXPECT_TRUE(s.stats(0).mute_audio);
  EXPECT_FALSE(s.stats(0).mute_video);
  feed_all(s);
  EXPECT_EQ(count(v.delivered, PacketKind::Audio), 0u);
  EXPECT_EQ(count(v.delivered, PacketKind::Video), 3u);
  EXPECT_EQ(v.delivered.size(), 6u);  // + metadata and both headers

  hub.set_stream_mute(id, false, true);
  v.delivered.clear();
  audio(s, 120);
  video(s, false, 143);
  EXPECT_EQ(count(v.delivered, PacketKind::Audio), 1u);
  EXPECT_EQ(count(v.delivered, PacketKind::Video), 0u);
  EXPECT_TRUE(s.stats(0).mute_video);

  hub.set_stream_mute(id, false, false);
  v.delivered.clear();
  video(s, false, 183);  // not decodable: still held back
  // A viewer joining now gets the cached audio but not the video of this GOP.
  FakeViewer late("late");
  hub.attach(id, &late);
  EXPECT_EQ(count(late.delivered, PacketKind::Video), 0u);
  EXPECT_GT(count(late.delivered, PacketKind::Audio), 0u);
  video(s, true, 223);
  video(s, false, 263);
  ASSERT_EQ(v.delivered.size(), 2u);
  EXPECT_TRUE(v.delivered[0]->keyframe);
  EXPECT_EQ(v.delivered[1]->timestamp, 263u);
  EXPECT_FALSE(s.stats(0).mute_video);

  // Unmuted streams are forgotten: a new source of that id starts unmuted.
  hub.unpublish(s, &pub);
  hub.detach(s, &v);
  hub.detach(s, &late);
  ASSERT_EQ(hub.find(id), nullptr);
  hub.set_stream_mute(id, false, true);
  hub.set_stream_mute(id, false, false);
  Source& fresh = hub.publish(id, &pub, 0);
  EXPECT_FALSE(fresh.stats(0).mute_video);
  EXPECT_FALSE(fresh.stats(0).mute_audio);
}

TEST_F(HubTest, StreamMuteOfAnotherStreamDoesNotApply) {
  hub.set_stream_mute(stream("carol"), true, true);
  FakeViewer v;
  FakePublisher pub;
  hub.attach(id, &v);
  Source& s = hub.publish(id, &pub, 0);
  feed_all(s);
  EXPECT_EQ(v.delivered.size(), 11u);
}

TEST_F(HubTest, ViewerMuteIsRememberedForLaterViewers) {
  hub.set_viewer_mute(id, "bob", false, true);
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 0);
  feed_all(s);
  FakeViewer bob("bob"), carol("carol");
  hub.attach(id, &bob);
  hub.attach(id, &carol);
  ASSERT_EQ(bob.mute_calls.size(), 1u);
  EXPECT_EQ(bob.mute_calls[0].delivered_before, 0u);  // before the start sequence
  EXPECT_FALSE(bob.mute_calls[0].audio);
  EXPECT_TRUE(bob.mute_calls[0].video);
  EXPECT_TRUE(carol.mute_calls.empty());
  auto bob_sent = bob.sent();
  EXPECT_EQ(count(bob_sent, PacketKind::Video), 0u);
  EXPECT_EQ(count(bob_sent, PacketKind::Audio), 4u);  // the GOP's audio
  EXPECT_EQ(count(carol.sent(), PacketKind::Video), 3u);

  // Unmute: bob's video resumes only at the next keyframe.
  hub.set_viewer_mute(id, "bob", false, false);
  ASSERT_EQ(bob.mute_calls.size(), 2u);
  EXPECT_FALSE(bob.mute_calls[1].video);
  EXPECT_TRUE(carol.mute_calls.empty());
  video(s, false, 143);
  video(s, true, 183);
  video(s, false, 223);
  bob_sent = bob.sent();
  ASSERT_EQ(bob_sent.size(), 2u);
  EXPECT_TRUE(bob_sent[0]->keyframe);
  EXPECT_EQ(carol.sent().size(), 3u);

  // Unmuted viewers are forgotten.
  hub.detach(s, &bob);
  FakeViewer bob2("bob");
  hub.attach(id, &bob2);
  EXPECT_TRUE(bob2.mute_calls.empty());
  // The mute is per stream.
  hub.set_viewer_mute(stream("dave"), "carol", true, true);
  EXPECT_TRUE(carol.mute_calls.empty());
}

TEST_F(HubTest, SweepClosesIdlePublishersOnlyAfterTheTimeout) {
  FakePublisher pub, quiet;
  Source& s = hub.publish(id, &pub, 1000);
  video(s, true, 0, 5000);
  hub.publish(stream("carol"), &quiet, 1000);  // never sends anything
  const auto timeout = hub.config().publisher_idle_timeout_ms;
  hub.sweep(4000);  // a packet stamped after this sweep's clock reading is not idle
  hub.sweep(1000 + timeout);
  EXPECT_TRUE(pub.closes.empty());
  EXPECT_TRUE(quiet.closes.empty());
  hub.sweep(1000 + timeout + 1);
  EXPECT_TRUE(pub.closes.empty());
  ASSERT_EQ(quiet.closes.size(), 1u);
  EXPECT_EQ(hub.find(stream("carol")), nullptr);  // the publish ended with it
  EXPECT_TRUE(ended.empty());                     // it never went live

  hub.sweep(5000 + timeout);
  EXPECT_TRUE(pub.closes.empty());
  FakeViewer v;
  hub.attach(id, &v);
  hub.sweep(5000 + timeout + 1);
  ASSERT_EQ(pub.closes.size(), 1u);
  EXPECT_EQ(pub.closes[0], "no media for the idle timeout");
  // close_publisher makes the connection forget the source, so the hub ends the publish itself:
  // the stream is announced ended and nobody keeps a pointer to the closed connection.
  EXPECT_EQ(s.publisher(), nullptr);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0], id);
  EXPECT_EQ(ends[0].reason, "no media for the idle timeout");
  EXPECT_TRUE(ends[0].failed);  // the publisher went silent: a failure, not a stop
  hub.sweep(100000);
  EXPECT_EQ(pub.closes.size(), 1u);
  EXPECT_EQ(quiet.closes.size(), 1u);
}

TEST_F(HubTest, SweepCountsFromTheLastMedia) {
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 0);
  const auto timeout = hub.config().publisher_idle_timeout_ms;
  for (std::uint64_t now = 1000; now < 5 * timeout; now += 1000) {
    audio(s, static_cast<std::uint32_t>(now), now);
    hub.sweep(now + timeout);
  }
  EXPECT_TRUE(pub.closes.empty());
  EXPECT_EQ(s.last_media_ms(), 5 * timeout - 1000);
}

TEST_F(HubTest, CloseStreamClosesPublisherAndViewers) {
  FakePublisher pub, other_pub;
  FakeViewer v1("v1"), v2("v2");
  Source& s = hub.publish(id, &pub, 0);
  hub.attach(id, &v1);
  hub.attach(id, &v2);
  audio(s, 0);
  Source& other = hub.publish(stream("carol"), &other_pub, 0);
  hub.close_stream(id, "kicked");
  ASSERT_EQ(pub.closes.size(), 1u);
  EXPECT_EQ(pub.closes[0], "kicked");
  EXPECT_EQ(v1.closes, std::vector<std::string>{"kicked"});
  EXPECT_EQ(v2.closes, std::vector<std::string>{"kicked"});
  EXPECT_EQ(s.publisher(), nullptr);  // the closed connection is no longer referenced
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ends[0].reason, "kicked");  // the server closed it: stopped, not failed
  EXPECT_FALSE(ends[0].failed);
  // Viewers detach when their connections close.
  EXPECT_EQ(hub.find(id), &s);
  hub.detach(s, &v1);
  hub.detach(s, &v2);
  EXPECT_EQ(hub.find(id), nullptr);
  EXPECT_TRUE(other_pub.closes.empty());
  EXPECT_EQ(other.publisher(), &other_pub);
  hub.close_stream(stream("nobody"), "x");  // unknown: no-op
  hub.close_stream(stream("nobody"), "x", true);
  EXPECT_TRUE(pub.for_good.empty());  // not the room's decision: no word of it
}

TEST_F(HubTest, TheRoomsCloseForGoodIsToldToThePublisherBeforeItsClose) {
  FakePublisher pub, other_pub;
  hub.publish(id, &pub, 0);
  hub.publish(stream("carol"), &other_pub, 0);
  hub.close_stream(id, "kicked", true);
  EXPECT_EQ(pub.for_good, std::vector<std::string>{"0:kicked"});
  EXPECT_EQ(pub.closes, std::vector<std::string>{"kicked"});
  hub.close_stream(id, "kicked", true);  // the publisher is gone: nothing more
  EXPECT_EQ(pub.for_good.size(), 1u);
  // Shutdown closes are not for good (the encoder may come back on another node).
  hub.close_all("shutdown");
  EXPECT_TRUE(other_pub.for_good.empty());
  EXPECT_EQ(other_pub.closes, std::vector<std::string>{"shutdown"});
}

TEST_F(HubTest, CloseAllClosesEverything) {
  FakePublisher p1, p2;
  FakeViewer v1("v1"), v2("v2");
  hub.publish(id, &p1, 0);
  hub.publish(stream("carol"), &p2, 0);
  hub.attach(id, &v1);
  hub.attach(stream("dave"), &v2);
  hub.close_all("shutdown");
  EXPECT_EQ(p1.closes.size(), 1u);
  EXPECT_EQ(p2.closes.size(), 1u);
  EXPECT_EQ(v1.closes.size(), 1u);
  EXPECT_EQ(v2.closes.size(), 1u);
  EXPECT_EQ(hub.stream_count(), 2u);  // the two with viewers, until they detach
  std::size_t n = 0;
  hub.for_each([&](Source& s) {
    EXPECT_EQ(s.publisher(), nullptr);
    ++n;
  });
  EXPECT_EQ(n, 2u);
}

TEST_F(HubTest, BadAndEndOfSequenceMessagesAreNotForwarded) {
  FakePublisher pub;
  FakeViewer v;
  hub.attach(id, &v);
  Source& s = hub.publish(id, &pub, 0);
  hub.ingest(s, PacketKind::Video, 0, SharedBuffer(), 0);
  hub.ingest(s, PacketKind::Audio, 0, SharedBuffer(), 0);
  hub.ingest(s, PacketKind::Video, 0, video_body(1, 2, 0), 0);  // AVC end of sequence
  EXPECT_TRUE(v.delivered.empty());
  auto st = s.stats(0);
  EXPECT_EQ(st.bad_messages, 2u);
  EXPECT_EQ(st.bytes_in, 0u);
  EXPECT_FALSE(st.live);
  EXPECT_TRUE(lives.empty());
  // A corrupt AAC config is counted but still forwarded (the player may cope).
  hub.ingest(s, PacketKind::Audio, 0, aac_body(0, 0), 0);
  EXPECT_EQ(s.stats(0).bad_messages, 3u);
  EXPECT_EQ(v.delivered.size(), 1u);
}

TEST_F(HubTest, PublisherClockJumpingBackIsReanchored) {
  FakePublisher pub;
  FakeViewer v;
  hub.attach(id, &v);
  Source& s = hub.publish(id, &pub, 0);
  video(s, true, 5000);
  audio(s, 4500);        // small step back (interleaving): kept
  video(s, false, 100);  // encoder restarted: continue after the last output
  video(s, false, 140);
  ASSERT_EQ(v.delivered.size(), 4u);
  EXPECT_EQ(v.delivered[0]->timestamp, 5000u);
  EXPECT_EQ(v.delivered[1]->timestamp, 4500u);
  EXPECT_EQ(v.delivered[2]->timestamp, 5001u);  // after the highest, not the latest
  EXPECT_EQ(v.delivered[3]->timestamp, 5041u);
}

TEST_F(HubTest, ExtendedTimestampsPassThrough) {
  FakePublisher pub;
  FakeViewer v;
  hub.attach(id, &v);
  Source& s = hub.publish(id, &pub, 0);
  video(s, true, 0xFFFFF0);
  video(s, false, 0x1000010);
  ASSERT_EQ(v.delivered.size(), 2u);
  EXPECT_EQ(v.delivered[1]->timestamp, 0x1000010u);
}

TEST_F(HubTest, MetadataAndHeadersDoNotKeepAPublisherAlive) {
  FakePublisher pub;
  Source& s = hub.publish(id, &pub, 1000);
  const auto timeout = hub.config().publisher_idle_timeout_ms;
  // Metadata and sequence headers every second, never a frame: idle all the same.
  for (std::uint64_t now = 1000; now <= 1000 + timeout; now += 1000) {
    feed(s, real.metadata, now);
    feed(s, real.video_header, now);
    feed(s, real.audio_header, now);
    hub.sweep(now);
  }
  EXPECT_TRUE(pub.closes.empty());
  EXPECT_EQ(s.last_media_ms(), 1000u);  // the publish began; nothing since counted
  hub.sweep(1000 + timeout + 1);
  ASSERT_EQ(pub.closes.size(), 1u);
  EXPECT_EQ(pub.closes[0], "no media for the idle timeout");
  EXPECT_TRUE(lives.empty());  // it never went live either
}

TEST_F(HubTest, ZigzagTimestampsStayWithinTheLeadBoundOfArrival) {
  FakePublisher pub;
  FakeViewer v;
  hub.attach(id, &v);
  Source& s = hub.publish(id, &pub, 0);
  // Every other frame stamped 3 s ahead, for 11 s of arrival time.
  for (std::uint32_t t = 0; t < 11'000; t += 40) {
    const std::uint64_t now = 50'000 + t;
    video(s, t % 2000 == 0, t + ((t / 40) % 2 ? 3000u : 0u), now);
    audio(s, t + ((t / 40) % 2 ? 3000u : 0u), now);
  }
  ASSERT_FALSE(v.delivered.empty());
  std::uint32_t max_video = 0, last_video = 0;
  for (const auto& p : v.delivered) {
    if (p->kind != PacketKind::Video) continue;
    EXPECT_GE(p->timestamp, last_video);
    last_video = p->timestamp;
    max_video = std::max(max_video, p->timestamp);
  }
  EXPECT_LE(max_video, 11'000u + hub.config().max_timestamp_lead_ms);
}

TEST_F(HubTest, LeadBoundComesFromTheConfig) {
  HubConfig c;
  c.max_timestamp_lead_ms = 200;
  Hub tight(c);
  FakePublisher pub;
  FakeViewer v;
  tight.attach(id, &v);
  Source& s = tight.publish(id, &pub, 0);
  tight.ingest(s, PacketKind::Video, 0, key_body(), 1000);
  tight.ingest(s, PacketKind::Video, 5000, inter_body(), 1040);
  ASSERT_EQ(v.delivered.size(), 2u);
  EXPECT_EQ(v.delivered[1]->timestamp, 240u);
}

TEST_F(HubTest, ViewersWaitThroughAPublisherDropAndTakeTheNextFromItsKeyframe) {
  FakePublisher first, second;
  FakeViewer v;
  hub.attach(id, &v);
  Source& s = hub.publish(id, &first, 1000);
  video(s, true, 0, 1000);
  audio(s, 20, 1020);
  video(s, false, 40, 1040);
  hub.unpublish(s, &first);  // the encoder dropped
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_TRUE(v.closes.empty());  // the hub never closes viewers for it: the room decides
  EXPECT_EQ(hub.find(id), &s);
  EXPECT_EQ(s.viewers().size(), 1u);

  // It reconnects 2 s later, joining its encoder mid-GOP: the inter frames before its first
  // keyframe are not forwarded (they cannot be decoded after the new headers).
  const auto before = v.delivered.size();
  Source& again = hub.publish(id, &second, 3000);
  EXPECT_EQ(&again, &s);
  video(s, false, 7000, 3040);
  audio(s, 7010, 3050);
  video(s, true, 7040, 3080);
  video(s, false, 7080, 3120);
  ASSERT_EQ(v.delivered.size(), before + 3);
  EXPECT_EQ(v.delivered[before]->kind, PacketKind::Audio);
  EXPECT_TRUE(v.delivered[before + 1]->keyframe);
  // Continuous timestamps: after the last output, the 2 s gap kept.
  EXPECT_GE(v.delivered[before]->timestamp, 41u);
  EXPECT_EQ(v.delivered[before + 1]->timestamp, v.delivered[before]->timestamp + 30);
  EXPECT_EQ(v.delivered[before + 2]->timestamp, v.delivered[before + 1]->timestamp + 40);
  EXPECT_LE(v.delivered[before + 2]->timestamp, 3120u - 1000u + 1500u);
  EXPECT_EQ(v.sent().size(), v.delivered.size());  // decodable all along
}

// A relay's upstream mirrors a stream published on another node: its room lives there, so this
// node's rooms must not hear of it (server/relay).
TEST_F(HubTest, ARelayedStreamIsNeverAnnounced) {
  FakeViewer v("v1");
  hub.attach(id, &v);
  FakePublisher relay;
  relay.is_local = false;
  Source& s = hub.publish(id, &relay, 1000);
  feed_all(s);
  EXPECT_FALSE(v.delivered.empty());  // the viewer gets the stream
  hub.unpublish(s, &relay);
  EXPECT_TRUE(lives.empty());
  EXPECT_TRUE(ended.empty());
  // A local publisher on the same stream is announced as ever.
  FakePublisher pub;
  Source& again = hub.publish(id, &pub, 2000);
  feed_all(again, 2000);
  EXPECT_EQ(lives.size(), 1u);
}

// A relay upstream starts with the origin's GOP cache: seconds of media in one burst. A viewer
// that waited for the stream takes it as its start, not as lag: its first picture is the burst's
// keyframe, not the origin's next one.
TEST_F(HubTest, AReplayedStartReachesWaitingViewersAsBacklogUntilTheNextKeyframe) {
  const QueueLimits realistic{800, 2u << 20, 2048};
  for (const bool replays : {true, false}) {
    SCOPED_TRACE(replays ? "relay upstream" : "ordinary publisher");
    Hub h;
    FakeViewer v("v1", realistic);
    h.attach(id, &v);
    FakePublisher pub;
    pub.is_local = false;
    pub.replays = replays;
    Source& s = h.publish(id, &pub, 1000);
    h.ingest(s, PacketKind::Video, 0, video_body(1, 0, 8), 1000);  // sequence header
    h.ingest(s, PacketKind::Video, 0, key_body(), 1000);
    for (std::uint32_t ts = 40; ts < 2000; ts += 40)  // the rest of the GOP, arrived at once
      h.ingest(s, PacketKind::Video, ts, inter_body(), 1000);
    auto sent = v.sent();
    const auto first_key = std::find_if(sent.begin(), sent.end(), [](const PacketPtr& p) {
      return p->kind == PacketKind::Video && p->droppable() && p->keyframe;
    });
    if (replays) {
      // All of it, from the keyframe; nothing dropped as lag.
      ASSERT_NE(first_key, sent.end());
      EXPECT_EQ((*first_key)->timestamp, 0u);
      EXPECT_EQ(count(sent, PacketKind::Video), 50u);
      EXPECT_EQ(v.queue.dropped_video(), 0u);
      EXPECT_EQ(v.delivered_as_backlog, 51u);
      // From the second keyframe on the stream is live: measured as usual.
      h.ingest(s, PacketKind::Video, 2000, key_body(), 1040);
      h.ingest(s, PacketKind::Video, 2040, inter_body(), 1080);
      EXPECT_EQ(v.delivered_as_backlog, 51u);
      EXPECT_EQ(count(v.sent(), PacketKind::Video), 2u);
    } else {
      // The same burst as live media is over the delay bound: shed, and the viewer waits.
      EXPECT_EQ(first_key, sent.end());
      EXPECT_GT(v.queue.dropped_video(), 0u);
      EXPECT_EQ(v.delivered_as_backlog, 0u);
    }
  }
}

TEST_F(HubTest, AReplayedStartTooLongForTheGopCacheIsMeasuredAsLive) {
  Hub h(HubConfig{GopLimits{1500, 8u << 20, 500}});
  FakeViewer v("v1", QueueLimits{800, 2u << 20, 2048});
  h.attach(id, &v);
  FakePublisher pub;
  pub.is_local = false;
  pub.replays = true;
  Source& s = h.publish(id, &pub, 1000);
  h.ingest(s, PacketKind::Video, 0, key_body(), 1000);
  for (std::uint32_t ts = 40; ts < 2000; ts += 40)
    h.ingest(s, PacketKind::Video, ts, inter_body(), 1000);
  // Backlog only while the cache held the GOP (up to 500 ms of it), then measured and shed.
  EXPECT_LT(v.delivered_as_backlog, 15u);
  EXPECT_GT(v.queue.dropped_video(), 0u);
}

TEST_F(HubTest, ViewerChangesAreReported) {
  std::vector<StreamId> changes;
  hub.on_viewers_changed([&](const StreamId& s) { changes.push_back(s); });
  FakeViewer a("a"), b("b");
  Source& s = hub.attach(id, &a);
  hub.attach(id, &b);
  hub.detach(s, &a);
  hub.detach(s, &b);  // the source is erased: still reported
  ASSERT_EQ(changes.size(), 4u);
  for (auto& c : changes) EXPECT_EQ(c, id);
  EXPECT_EQ(hub.find(id), nullptr);
}

TEST_F(HubTest, DeparturesTellWhatEachPublisherAndViewerCarriedBeforeTheSourceGoes) {
  // What call records count: told inside the hub's call, while the source is still found.
  struct Seen {
    StreamId id;
    const void* who;
    bool publisher;
    std::string viewer;
    std::uint64_t bytes;
    std::uint32_t width, height;
    bool source_found;
  };
  std::vector<Seen> seen;
  hub.on_departure([&](const StreamId& sid, const Departure& d) {
    seen.push_back({sid, d.who, d.publisher, std::string(d.viewer_id), d.bytes, d.width, d.height,
                    hub.find(sid) != nullptr});
  });
  FakePublisher first, second;
  FakeViewer viewer("bob");
  Source& s = hub.publish(id, &first, 0);
  feed_all(s);  // 320x240
  const std::uint64_t first_bytes = s.stats(1000).bytes_in;
  ASSERT_GT(first_bytes, 0u);
  EXPECT_EQ(s.publish_bytes_in(), first_bytes);
  hub.attach(id, &viewer);
  viewer.bytes_out = 777;

  // A takeover: the first publisher's publish ends with what it sent; the second counts anew.
  hub.publish(id, &second, 1500);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].who, &first);
  EXPECT_TRUE(seen[0].publisher);
  EXPECT_EQ(seen[0].bytes, first_bytes);
  EXPECT_EQ(seen[0].width, 320u);
  EXPECT_EQ(seen[0].height, 240u);
  EXPECT_EQ(s.publish_bytes_in(), 0u);
  audio(s, 40, 1500, 100);  // 102 bytes
  EXPECT_EQ(s.publish_bytes_in(), 102u);
  EXPECT_EQ(s.stats(1500).bytes_in, first_bytes + 102);

  // The viewer leaves with its bytes out.
  hub.detach(s, &viewer);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].who, &viewer);
  EXPECT_FALSE(seen[1].publisher);
  EXPECT_EQ(seen[1].viewer, "bob");
  EXPECT_EQ(seen[1].bytes, 777u);
  EXPECT_EQ(seen[1].width, 320u);
  hub.detach(s, &viewer);  // not attached any more: nothing
  EXPECT_EQ(seen.size(), 2u);

  // The publisher unpublishes: told before the source (nobody left) is erased.
  hub.unpublish(s, &second);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].who, &second);
  EXPECT_EQ(seen[2].bytes, 102u);
  EXPECT_TRUE(seen[2].source_found);
  EXPECT_EQ(hub.find(id), nullptr);
}

TEST_F(HubTest, AClosedOrSweptPublisherIsADeparture) {
  std::vector<std::pair<const void*, std::uint64_t>> seen;
  hub.on_departure([&](const StreamId&, const Departure& d) { seen.emplace_back(d.who, d.bytes); });
  FakePublisher kicked, idle;
  Source& s = hub.publish(id, &kicked, 0);
  audio(s, 0, 0, 50);  // 52 bytes
  hub.close_stream(id, "kicked");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, &kicked);
  EXPECT_EQ(seen[0].second, 52u);
  EXPECT_EQ(hub.find(id), nullptr);

  Source& t = hub.publish(stream("carol"), &idle, 0);
  audio(t, 0, 0, 30);
  hub.sweep(0 + hub.config().publisher_idle_timeout_ms + 1);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].first, &idle);
  EXPECT_EQ(seen[1].second, 32u);
  EXPECT_EQ(hub.find(stream("carol")), nullptr);
}

}  // namespace
}  // namespace minirtc::media
