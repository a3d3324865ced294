// util/result.hpp: errors as values, and with_context() adding each caller's context in front as
// the error travels up, so the final reason tells the whole path.

#include "util/result.hpp"

#include <gtest/gtest.h>

namespace minirtc {
namespace {

Status store_insert() {
  return make_error("database is locked");
}

Status record_session(std::string_view who) {
  if (auto st = store_insert(); !st)
    return with_context(st.error(), "insert session " + std::string(who));
  return {};
}

Result<int> recorder_flush() {
  if (auto st = record_session("a/r/u"); !st) return with_context(st.error(), "usage store");
  return 1;
}

TEST(ResultContext, EachCallerPutsWhatItKnowsInFront) {
  auto r = recorder_flush();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "usage store: insert session a/r/u: database is locked");
}

TEST(ResultContext, WrapsAnErrorWithoutChangingTheOriginal) {
  const Error inner = make_error("too long");
  const Error outer = with_context(inner, "app id");
  EXPECT_EQ(inner.reason, "too long");
  EXPECT_EQ(outer.reason, "app id: too long");
  EXPECT_EQ(with_context(outer, "[apps] line 3").reason, "[apps] line 3: app id: too long");
}

TEST(ResultContext, SuccessCarriesNoReason) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  Result<int> v = 7;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 7);
}

}  // namespace
}  // namespace minirtc
