// The output timeline (media/timeline.hpp): normal streams pass untouched, output never runs more
// than the bound ahead of arrival time, never goes back within a track, keeps audio and video in
// sync, and continues across publishers, jumps, wraparound and zigzags.

#include "media/timeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace minirtc::media {
namespace {

constexpr std::uint64_t kT0 = 1'700'000'000'000;  // arrival clock: unix ms, like the server's
constexpr std::int64_t kLead = Timeline::kDefaultMaxLeadMs;

struct Frame {
  Track track;
  std::uint32_t in;
  std::uint64_t arrival;
};

/// A steady stream: video every 40 ms, audio every 23 ms, stamped from `first_ts`, arriving
/// `delay` ms after their timestamp (relative to kT0).
std::vector<Frame> steady(std::uint32_t first_ts, int ms, std::uint64_t delay = 30) {
  std::vector<Frame> f;
  for (int t = 0; t < ms; ++t) {
    const auto arrival = kT0 + static_cast<std::uint64_t>(t) + delay;
    if (t % 40 == 0) f.push_back({Track::Video, first_ts + static_cast<std::uint32_t>(t), arrival});
    if (t % 23 == 0) f.push_back({Track::Audio, first_ts + static_cast<std::uint32_t>(t), arrival});
  }
  return f;
}

/// Checks the invariants on every output: within the bound of the first frame's arrival, never
/// back within a track. Returns the outputs.
std::vector<std::int64_t> run(Timeline& tl, const std::vector<Frame>& frames,
                              std::int64_t lead = kLead) {
  std::vector<std::int64_t> out;
  std::int64_t last[2] = {-1, -1};
  std::int64_t first_out = 0, first_arrival = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& f = frames[i];
    const std::int64_t o = tl.frame(f.track, f.in, f.arrival);
    if (i == 0) {
      first_out = o;
      first_arrival = static_cast<std::int64_t>(f.arrival);
    }
    const auto t = static_cast<int>(f.track);
    EXPECT_GE(o, last[t]) << "frame " << i << " went back";
    EXPECT_LE(o - first_out, static_cast<std::int64_t>(f.arrival) - first_arrival + lead)
        << "frame " << i << " ahead of arrival time";
    last[t] = o;
    out.push_back(o);
  }
  return out;
}

TEST(TimelineTest, NormalStreamKeepsItsTimestamps) {
  Timeline tl;
  const auto frames = steady(5000, 60'000);
  const auto out = run(tl, frames);
  for (std::size_t i = 0; i < frames.size(); ++i) ASSERT_EQ(out[i], frames[i].in) << i;
}

TEST(TimelineTest, JitterAndStallsLeaveTimestampsAlone) {
  // Arrival jitters by up to 300 ms and stalls for 5 s (then everything comes at once): late
  // frames keep their spacing.
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> jitter(0, 300);
  auto frames = steady(0, 30'000);
  std::uint64_t last_arrival = 0;
  for (auto& f : frames) {
    f.arrival += static_cast<std::uint64_t>(jitter(rng));
    if (f.in >= 10'000 && f.in < 15'000) f.arrival = kT0 + 15'000;  // the stall
    f.arrival = std::max(f.arrival, last_arrival);                  // TCP keeps order
    last_arrival = f.arrival;
  }
  Timeline tl;
  const auto out = run(tl, frames);
  for (std::size_t i = 0; i < frames.size(); ++i) ASSERT_EQ(out[i], frames[i].in) << i;
}

TEST(TimelineTest, ZigzagStaysWithinTheBound) {
  // The fault seen: every other video frame stamped 3 s ahead. The old rule re-anchored after
  // each step back and ended 15 s ahead after 11 s.
  Timeline tl;
  std::vector<Frame> frames;
  for (std::uint32_t t = 0; t < 11'000; t += 40)
    frames.push_back({Track::Video, t + ((t / 40) % 2 ? 3000u : 0u), kT0 + t});
  const auto out = run(tl, frames);
  EXPECT_LE(out.back(), 11'000 + kLead);
  EXPECT_GE(out.back(), 11'000 - 80);
}

TEST(TimelineTest, ZigzagBackwardStaysMonotonicAndCloseToArrival) {
  Timeline tl;
  std::vector<Frame> frames;
  for (std::uint32_t t = 10'000; t < 40'000; t += 40)
    frames.push_back({Track::Video, t - ((t / 40) % 2 ? 4000u : 0u), kT0 + t});
  const auto out = run(tl, frames);
  // Never ahead beyond the bound (run checks), and not left far behind either.
  EXPECT_GE(out.back(), 40'000 - 1000);
}

TEST(TimelineTest, JumpForwardIsPulledToTheBoundThenKeepsItsSpacing) {
  Timeline tl;
  EXPECT_EQ(tl.frame(Track::Video, 1000, kT0), 1000u);
  EXPECT_EQ(tl.frame(Track::Video, 1040, kT0 + 40), 1040u);
  // The encoder's clock jumps a minute ahead.
  EXPECT_EQ(tl.frame(Track::Video, 61'080, kT0 + 80), 1080 + kLead);
  EXPECT_EQ(tl.frame(Track::Audio, 61'090, kT0 + 90), 1090 + kLead);
  EXPECT_EQ(tl.frame(Track::Video, 61'120, kT0 + 120), 1120 + kLead);
  // A jump forward within the bound is the publisher's to make.
  Timeline small;
  EXPECT_EQ(small.frame(Track::Video, 0, kT0), 0u);
  EXPECT_EQ(small.frame(Track::Video, 1000, kT0 + 40), 1000u);
  EXPECT_EQ(small.frame(Track::Video, 1040, kT0 + 80), 1040u);
}

TEST(TimelineTest, ClockRestartContinuesAfterTheHighestOutput) {
  Timeline tl;
  EXPECT_EQ(tl.frame(Track::Video, 5000, kT0), 5000u);
  EXPECT_EQ(tl.frame(Track::Audio, 4500, kT0), 4500u);  // interleaving: another track, kept
  EXPECT_EQ(tl.frame(Track::Video, 100, kT0), 5001u);   // restarted clock: after the highest
  EXPECT_EQ(tl.frame(Track::Video, 140, kT0 + 40), 5041u);
  EXPECT_EQ(tl.frame(Track::Audio, 120, kT0 + 40), 5021u);  // audio follows the same offset
  EXPECT_EQ(tl.frame(Track::Video, 1140, kT0 + 1040), 6041u);
  // A restart after a pause continues where arrival time says (the pause is kept).
  EXPECT_EQ(tl.frame(Track::Video, 0, kT0 + 3000), 8000u);
  EXPECT_EQ(tl.frame(Track::Audio, 0, kT0 + 3000), 8000u);
  EXPECT_EQ(tl.frame(Track::Video, 40, kT0 + 3040), 8040u);
}

TEST(TimelineTest, SmallStepBackIsHeldWithoutMovingTheTimeline) {
  Timeline tl;
  EXPECT_EQ(tl.frame(Track::Video, 0, kT0), 0u);
  EXPECT_EQ(tl.frame(Track::Video, 120, kT0 + 40), 120u);
  EXPECT_EQ(tl.frame(Track::Video, 40, kT0 + 80), 120u);  // stamped by PTS: held
  EXPECT_EQ(tl.frame(Track::Video, 80, kT0 + 120), 120u);
  EXPECT_EQ(tl.frame(Track::Video, 240, kT0 + 160), 240u);  // and on it goes, unmoved
  EXPECT_EQ(tl.frame(Track::Audio, 200, kT0 + 160), 200u);
}

TEST(TimelineTest, WrapsAroundAt32Bits) {
  Timeline tl;
  const std::uint32_t near = 0xFFFFFF00u;
  EXPECT_EQ(tl.frame(Track::Video, near, kT0), near);
  EXPECT_EQ(tl.frame(Track::Audio, near + 0x80u, kT0 + 0x80), near + 0x80u);
  EXPECT_EQ(tl.frame(Track::Video, near + 0x100u, kT0 + 0x100), 0u);  // 2^32 wraps to 0
  EXPECT_EQ(tl.frame(Track::Audio, 0x40u, kT0 + 0x140), 0x40u);
  EXPECT_EQ(tl.frame(Track::Video, 0x100u, kT0 + 0x200), 0x100u);
}

TEST(TimelineTest, AudioAndVideoStayInSyncThroughJumps) {
  Timeline tl;
  std::vector<Frame> frames = steady(0, 4000);
  // Both tracks' clocks jump 20 s back at 2 s, then 90 s ahead at 3 s.
  for (auto& f : frames) {
    if (f.in >= 2000) f.in -= 20'000;
    if (f.in >= 3000u - 20'000u && f.in < 2000u) f.in += 110'000;
  }
  const auto out = run(tl, frames);
  // The last video and audio frames: the same input distance apart as output distance.
  std::int64_t v_in = -1, a_in = -1, v_out = 0, a_out = 0;
  for (std::size_t i = frames.size(); i-- > 0 && (v_in < 0 || a_in < 0);) {
    if (frames[i].track == Track::Video && v_in < 0) v_in = frames[i].in, v_out = out[i];
    if (frames[i].track == Track::Audio && a_in < 0) a_in = frames[i].in, a_out = out[i];
  }
  EXPECT_EQ(v_out - a_out, v_in - a_in);
}

TEST(TimelineTest, NewPublisherContinuesWithoutStepBackOrGapBeyondArrival) {
  Timeline tl;
  EXPECT_EQ(tl.frame(Track::Video, 10'000, kT0), 10'000u);
  EXPECT_EQ(tl.frame(Track::Video, 10'040, kT0 + 40), 10'040u);
  // Taken over at once (the pusher reconnected before its old connection was seen dead).
  tl.restart();
  EXPECT_EQ(tl.position(0), 10'040u);  // its headers: where the timeline is
  EXPECT_EQ(tl.frame(Track::Video, 0, kT0 + 40), 10'041u);
  EXPECT_EQ(tl.frame(Track::Audio, 10, kT0 + 50), 10'051u);
  // Reconnected after 4 s without a publisher: the gap is kept, as long as it lasted.
  tl.restart();
  EXPECT_EQ(tl.frame(Track::Audio, 500, kT0 + 4050), 14'050u);
  EXPECT_EQ(tl.frame(Track::Video, 480, kT0 + 4060), 14'030u);
  EXPECT_EQ(tl.frame(Track::Video, 520, kT0 + 4100), 14'070u);
}

TEST(TimelineTest, PositionBeforeTheFirstFrameIsTheInput) {
  Timeline tl;
  EXPECT_EQ(tl.position(0), 0u);
  EXPECT_EQ(tl.position(777), 777u);
  EXPECT_EQ(tl.frame(Track::Video, 100, kT0), 100u);
  EXPECT_EQ(tl.position(0), 100u);  // a header stamped 0 mid-stream moves nothing
  EXPECT_EQ(tl.frame(Track::Video, 140, kT0 + 40), 140u);
}

TEST(TimelineTest, ArrivalClockSteppingBackCountsAsNoTime) {
  Timeline tl;
  EXPECT_EQ(tl.frame(Track::Video, 0, kT0 + 10'000), 0u);
  EXPECT_EQ(tl.frame(Track::Video, 40, kT0 + 10'040), 40u);
  // The wall clock is set back 10 s: the bound does not move back with it.
  EXPECT_EQ(tl.frame(Track::Video, 80, kT0 + 40), 80u);
  EXPECT_EQ(tl.frame(Track::Video, 3000, kT0 + 80), 40 + kLead);
}

TEST(TimelineTest, RandomInputKeepsTheInvariants) {
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    Timeline tl(static_cast<std::uint32_t>(500 + round * 100));
    std::vector<Frame> frames;
    std::uint64_t arrival = kT0;
    std::uint32_t ts = rng();
    for (int i = 0; i < 2000; ++i) {
      arrival += rng() % 60;
      switch (rng() % 8) {
        case 0:
          ts = rng();  // anywhere
          break;
        case 1:
          ts -= rng() % 5000;
          break;
        case 2:
          ts += rng() % 5000;
          break;
        default:
          ts += rng() % 50;
      }
      frames.push_back({rng() % 2 ? Track::Audio : Track::Video, ts, arrival});
    }
    run(tl, frames, 500 + round * 100);
  }
}

}  // namespace
}  // namespace minirtc::media
