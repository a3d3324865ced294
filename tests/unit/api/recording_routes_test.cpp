// The recording routes (api/recording_routes.hpp) over a Recorder with fixed rows: admin auth
// from the router, request checks and answers, and the download route's signature, expiry and
// file reply (record/download_url, signed independently here with the same key).

#include <gtest/gtest.h>

#include <map>

#include <boost/json.hpp>

#include "api/recording_routes.hpp"
#include "record/download_url.hpp"

namespace minirtc::api {
namespace {

constexpr std::string_view kKey = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kDone = "r000000000001aaaaaaaa";     // has its MP4
constexpr std::string_view kRunning = "r000000000002bbbbbbbb";  // being written
constexpr std::uint64_t kNowMs = 1'800'000'000'000;

class FixedRecorder final : public Recorder {
 public:
  FixedRecorder() {
    record::RecordingInfo done;
    done.id = kDone;
    done.app_id = "app";
    done.state = record::State::Finished;
    done.file = record::mp4_name(kDone);
    rows[done.id] = done;
    record::RecordingInfo running;
    running.id = kRunning;
    running.app_id = "app";
    running.file = record::flv_name(kRunning);
    rows[running.id] = running;
  }
  std::optional<std::string> app_key(std::string_view app) const override {
    if (app == "app") return std::string(kKey);
    return std::nullopt;
  }
  std::string http_base() const override { return "http://node:8080"; }
  std::uint32_t default_url_ttl_s() const override { return 60; }
  bool shutting_down() const override { return false; }
  std::vector<record::RecordingInfo> list() const override {
    std::vector<record::RecordingInfo> out;
    for (const auto& [id, r] : rows) out.push_back(r);
    return out;
  }
  std::optional<record::RecordingInfo> find(std::string_view id) const override {
    auto it = rows.find(std::string(id));
    if (it == rows.end()) return std::nullopt;
    return it->second;
  }
  Result<record::RecordingInfo> start_stream(const StreamId&) override {
    return make_error("stream is not live");
  }
  std::vector<std::string> start_room(std::string_view, std::string_view) override { return {}; }
  std::vector<std::string> stop_streams(const StreamId&) override { return {}; }
  Status stop(std::string_view id) override {
    if (id != kRunning) return make_error("recording is not running");
    return {};
  }
  Status remove(std::string_view id) override {
    if (id == kRunning) return make_error("recording is running");
    rows.erase(std::string(id));
    return {};
  }
  std::optional<std::string> mp4_path(std::string_view id) const override {
    if (id == kDone && rows.count(std::string(id))) return "/rec/" + record::mp4_name(id);
    return std::nullopt;
  }

  std::map<std::string, record::RecordingInfo> rows;
};

class RecordingRoutesTest : public ::testing::Test {
 protected:
  RecordingRoutesTest() {
    router.set_admin_key("admin");
    add_recording_routes(router, recorder);
  }
  Reply call(std::string_view method, std::string_view target, std::string_view body = {},
             bool admin = true) {
    const auto q = target.find('?');
    Request r;
    r.method = method;
    r.path = target.substr(0, q);
    r.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    r.body = body;
    if (admin) r.authorizations.push_back(bearer);
    r.now_ms = kNowMs;
    return router.handle(r);
  }
  std::string download(std::uint32_t expire) {
    return record::download_target(kDone, expire, kKey);
  }

  FixedRecorder recorder;
  Router router;
  std::string bearer = "Bearer admin";
};

TEST_F(RecordingRoutesTest, AdminRoutesNeedTheKey) {
  EXPECT_EQ(call("GET", "/v1/admin/recordings", {}, false).status, 401u);
  EXPECT_EQ(
      call("POST", std::string("/v1/admin/recordings/") + std::string(kDone) + "/url", {}, false)
          .status,
      401u);
  const auto r = call("GET", "/v1/admin/recordings");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(boost::json::parse(r.body).at("recordings").as_array().size(), 2u);
}

TEST_F(RecordingRoutesTest, RequestsAreChecked) {
  EXPECT_EQ(call("POST", "/v1/admin/recordings/start", "[").status, 400u);
  EXPECT_EQ(call("POST", "/v1/admin/recordings/start", R"({"appId":"x","roomId":"r"})").status,
            404u);
  EXPECT_EQ(call("POST", "/v1/admin/recordings/start", R"({"appId":"app"})").status, 400u);
  EXPECT_EQ(
      call("POST", "/v1/admin/recordings/start", R"({"appId":"app","roomId":"r","userId":"u"})")
          .status,
      409u);
  EXPECT_EQ(call("GET", "/v1/admin/recordings/r000000000009cccccccc").status, 404u);
  EXPECT_EQ(
      call("POST", std::string("/v1/admin/recordings/") + std::string(kDone) + "/stop").status,
      409u);
  EXPECT_EQ(call("DELETE", std::string("/v1/admin/recordings/") + std::string(kRunning)).status,
            409u);
  EXPECT_EQ(
      call("POST", std::string("/v1/admin/recordings/") + std::string(kRunning) + "/url").status,
      409u);
  EXPECT_EQ(call("POST", std::string("/v1/admin/recordings/") + std::string(kDone) + "/url",
                 R"({"ttlSeconds":0})")
                .status,
            400u);
}

TEST_F(RecordingRoutesTest, MintedUrlDownloadsTheFileUntilItExpires) {
  const auto minted =
      call("POST", std::string("/v1/admin/recordings/") + std::string(kDone) + "/url");
  ASSERT_EQ(minted.status, 200u) << minted.body;
  const auto v = boost::json::parse(minted.body);
  const auto expire = static_cast<std::uint32_t>(v.at("expiresAt").as_int64());
  EXPECT_EQ(expire, kNowMs / 1000 + 60);
  EXPECT_EQ(std::string(v.at("url").as_string()), "http://node:8080" + download(expire));

  for (const auto* method : {"GET", "HEAD"}) {
    const auto r = call(method, download(expire), {}, false);
    ASSERT_EQ(r.status, 200u) << r.body;
    ASSERT_TRUE(r.file);
    EXPECT_EQ(r.file->path, "/rec/" + record::mp4_name(kDone));
    EXPECT_EQ(r.content_type, "video/mp4");
  }
  const auto expired = call("GET", download(kNowMs / 1000 - 1), {}, false);
  EXPECT_EQ(expired.status, 403u);
  EXPECT_FALSE(expired.file);
  EXPECT_EQ(expired.rejected, "recording_download_url");
  auto forged = download(expire);
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(call("GET", forged, {}, false).status, 403u);
  EXPECT_EQ(call("GET", "/v1/recordings/" + std::string(kDone) + ".mp4", {}, false).status, 403u);
  EXPECT_EQ(call("GET", "/v1/recordings/r000000000009cccccccc.mp4?e=1&s=00", {}, false).status,
            404u);
  EXPECT_EQ(call("POST", download(expire), {}, false).status, 405u);
  // Only recording ids name files: other paths under /v1/recordings/ are no route or no recording.
  EXPECT_EQ(call("GET", "/v1/recordings/../secret.mp4", {}, false).status, 404u);
  EXPECT_EQ(call("GET", "/v1/recordings/.mp4", {}, false).status, 404u);
  EXPECT_EQ(call("GET", "/v1/recordings/" + std::string(kDone) + ".flv", {}, false).status, 404u);
}

}  // namespace
}  // namespace minirtc::api
