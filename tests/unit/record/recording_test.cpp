// The recording sidecar codec, ids and the recovery rule (record/recording.hpp).
#include "record/recording.hpp"

#include <gtest/gtest.h>

namespace minirtc::record {
namespace {

RecordingInfo sample() {
  RecordingInfo r;
  r.id = make_recording_id(1764658800123, "0badf00d");
  r.app_id = "abcdefghijklmnopqrstuvwx";
  r.room_id = "room-1";
  r.user_id = "alice";
  r.stream = "abcdefghijklmnopqrstuvwx~room-1~alice~main";
  r.state = State::Finished;
  r.started_ms = 1764658800123;
  r.stopped_ms = 1764658810123;
  r.duration_ms = 9960;
  r.size_bytes = 123456;
  r.file = mp4_name(r.id);
  r.recovered = true;
  return r;
}

TEST(RecordingId, MadeIdsAreValidAndSortByStart) {
  const auto a = make_recording_id(1000, "ffffffff");
  const auto b = make_recording_id(1001, "00000000");
  EXPECT_TRUE(is_recording_id(a));
  EXPECT_TRUE(is_recording_id(b));
  EXPECT_LT(a, b);
  EXPECT_EQ(a.size(), 21u);
}

TEST(RecordingId, RefusesAnythingThatCouldNameAnotherPath) {
  EXPECT_FALSE(is_recording_id(""));
  EXPECT_FALSE(is_recording_id("r"));
  EXPECT_FALSE(is_recording_id("r0123456789abcdef012"));    // one short
  EXPECT_FALSE(is_recording_id("r0123456789abcdef01234"));  // one long
  EXPECT_FALSE(is_recording_id("x0123456789abcdef0123"));
  EXPECT_FALSE(is_recording_id("r0123456789ABCDEF0123"));
  EXPECT_FALSE(is_recording_id("r../../../etc/passwd00"));
  EXPECT_FALSE(is_recording_id("r0123456789abcdef012/"));
}

TEST(Sidecar, RoundTrips) {
  const auto r = sample();
  auto back = from_json(to_json(r));
  ASSERT_TRUE(back) << back.error().reason;
  EXPECT_EQ(*back, r);
}

TEST(Sidecar, EveryStateRoundTrips) {
  for (auto s : {State::Recording, State::Finishing, State::Finished, State::Failed}) {
    auto r = sample();
    r.state = s;
    auto back = from_json(to_json(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->state, s);
  }
}

TEST(Sidecar, DamageIsAnErrorNotAWrongListing) {
  EXPECT_FALSE(from_json(""));
  EXPECT_FALSE(from_json("[]"));
  EXPECT_FALSE(from_json(R"({"id":"r00"})"));
  auto text = to_json(sample());
  EXPECT_FALSE(from_json(text.substr(0, text.size() / 2)));  // cut by a crash
  auto r = sample();
  auto with = [&](std::string_view from, std::string_view to) {
    auto t = to_json(r);
    const auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    t.replace(at, from.size(), to);
    return from_json(t);
  };
  EXPECT_FALSE(with(R"("state":"finished")", R"("state":"done")"));
  EXPECT_FALSE(with(R"("sizeBytes":123456)", R"("sizeBytes":-1)"));
  EXPECT_FALSE(with(R"("sizeBytes":123456)", R"("sizeBytes":"1")"));
  EXPECT_FALSE(with(r.file, "../other.mp4"));
  EXPECT_FALSE(with(R"("recovered":true)", R"("recovered":1)"));
  EXPECT_FALSE(from_json(std::string(kMaxSidecarBytes + 1, ' ')));
}

TEST(Sidecar, FileMayBeTheFlvOrNothing) {
  auto r = sample();
  r.file = flv_name(r.id);
  EXPECT_TRUE(from_json(to_json(r)));
  r.file.clear();
  EXPECT_TRUE(from_json(to_json(r)));
}

TEST(Recovery, UnfinishedRecordingsAreRemuxedOrMarkedFailed) {
  EXPECT_EQ(recovery_action(State::Recording, true), Recovery::Remux);
  EXPECT_EQ(recovery_action(State::Finishing, true), Recovery::Remux);
  EXPECT_EQ(recovery_action(State::Recording, false), Recovery::Missing);
  EXPECT_EQ(recovery_action(State::Finishing, false), Recovery::Missing);
  EXPECT_EQ(recovery_action(State::Finished, true), Recovery::None);
  EXPECT_EQ(recovery_action(State::Failed, true), Recovery::None);
  EXPECT_EQ(recovery_action(State::Finished, false), Recovery::None);
}

}  // namespace
}  // namespace minirtc::record
