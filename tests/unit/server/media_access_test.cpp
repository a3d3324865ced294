// MediaAccess's revocations: a revoked URL is refused while it could still be presented, and the
// revocation is forgotten once no URL with its nonce can be valid (prune on the tick), so a
// server under churn does not keep a nonce per leave for the life of the process.

#include "server/media_access.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/app_registry.hpp"

namespace minirtc::server {
namespace {

constexpr std::uint32_t kNow = 1'800'000'000;

struct Fixture {
  AppRegistry apps{{AppConfig{"app0123456789abcdef01234", "key", false}}};
  MediaAccess access{apps};
  StreamId id{"app0123456789abcdef01234", "room", "alice", StreamKind::Main};

  // the query of a play URL with this nonce, valid until `expire_at`
  std::string query(const std::string& nonce, std::uint32_t expire_at) {
    auto url = access.play_url(id, "bob", true, expire_at, nonce);
    return url.substr(url.find('?') + 1);
  }
};

TEST(MediaAccess, ARevokedUrlIsRefusedUntilItsRevocationIsPruned) {
  Fixture f;
  const auto q = f.query("00112233aabbccdd", kNow + 600);
  ASSERT_TRUE(f.access.check(stream_key(f.id), q, auth::UrlAction::Play, kNow));
  f.access.revoke("00112233aabbccdd", "test", kNow + 600);
  auto refused = f.access.check(stream_key(f.id), q, auth::UrlAction::Play, kNow + 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, "URL revoked");
  EXPECT_EQ(f.access.prune(kNow + 600), 0u);  // the URL is still valid at its expiry second
  EXPECT_FALSE(f.access.check(stream_key(f.id), q, auth::UrlAction::Play, kNow + 600));
  EXPECT_EQ(f.access.prune(kNow + 601), 1u);
  EXPECT_EQ(f.access.revoked_count(), 0u);
}

TEST(MediaAccess, PruningKeepsWhatCanStillBePresented) {
  Fixture f;
  f.access.revoke("aaaaaaaaaaaaaaaa", "test", kNow + 10);
  f.access.revoke("bbbbbbbbbbbbbbbb", "test", kNow + 100);
  f.access.revoke("cccccccccccccccc", "test");  // expiry unknown (admin API): kept
  EXPECT_EQ(f.access.prune(kNow + 50), 1u);
  EXPECT_EQ(f.access.revoked_count(), 2u);
  EXPECT_EQ(f.access.prune(UINT32_MAX - 1), 1u);
  EXPECT_EQ(f.access.revoked_count(), 1u);
}

TEST(MediaAccess, ARevocationIsKeptForTheLongestLifetimeItWasGiven) {
  Fixture f;
  f.access.revoke("aaaaaaaaaaaaaaaa", "test", kNow + 100);
  f.access.revoke("aaaaaaaaaaaaaaaa", "again",
                  kNow + 10);  // a later, shorter one does not shorten it
  EXPECT_EQ(f.access.prune(kNow + 50), 0u);
  EXPECT_EQ(f.access.prune(kNow + 101), 1u);
}

// A connection closed by a revocation hears it as such (close_revoked): a push another node
// forwards tells that node the end is for good (server/push_forward.hpp).
TEST(MediaAccess, ARevocationClosesTheConnectionsUsingTheUrlAsRevoked) {
  struct Connection : Closable {
    void close(std::string_view reason) override { closes.emplace_back(reason); }
    void close_revoked(std::string_view reason) override { revoked.emplace_back(reason); }
    std::vector<std::string> closes, revoked;
  };
  Fixture f;
  auto used = std::make_shared<Connection>(), other = std::make_shared<Connection>();
  f.access.track("aaaaaaaaaaaaaaaa", used);
  f.access.track("bbbbbbbbbbbbbbbb", other);
  f.access.revoke("aaaaaaaaaaaaaaaa", "kicked", kNow + 100);
  EXPECT_EQ(used->revoked, std::vector<std::string>{"kicked"});
  EXPECT_TRUE(used->closes.empty());
  EXPECT_TRUE(other->revoked.empty());
  EXPECT_TRUE(other->closes.empty());
  // The revoked URL's refusal reason is the one a forward's refusal is recognized by.
  const auto q = f.query("aaaaaaaaaaaaaaaa", kNow + 600);
  auto refused = f.access.check(stream_key(f.id), q, auth::UrlAction::Play, kNow);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().reason, MediaAccess::kRevokedReason);
}

}  // namespace
}  // namespace minirtc::server
