// The router's own rules, on routes registered here (as another module would): matching, 404,
// OPTIONS, 405 with Allow, the query, admin auth, body limits, duplicate credentials.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include <boost/json.hpp>

#include "api/router.hpp"

namespace minirtc::api {
namespace {

/// A handler that answers with what it saw: the parameters it names and the query's "q".
Handler echo(std::vector<std::string> names) {
  return [names](const Call& c) {
    std::string out;
    for (const auto& n : names) out += n + "=" + std::string(c.param(n)) + ";";
    if (auto q = c.query.get("q")) out += "q=" + std::string(*q) + ";";
    return json_reply(out);
  };
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router.add({"GET", "HEAD"}, "/healthz", echo({}));
    router.get("/v1/things/{id}", echo({"id"}));
    router.post("/v1/things/{id}", echo({"id"}));
    router.post("/v1/things/{id}/parts/{part}/poke", echo({"id", "part"}));
    router.get("/files/{name...}.txt", echo({"name"}), {.raw_query = true});
    router.get("/pics/{name}.png", echo({"name"}));
    router.get("/v1/admin/nodes", echo({}), {.access = Access::Admin});
    router.post("/v1/upload", echo({}), {.max_body_bytes = 8});
    router.post("/v1/unlimited", echo({}), {.max_body_bytes = 0});
    router.set_admin_key("k");
  }

  Reply call(std::string_view method, std::string_view path, std::string_view query = "",
             std::vector<std::string_view> auth = {}, std::string_view body = "") {
    Request r;
    r.method = method;
    r.path = path;
    r.query = query;
    r.body = body;
    r.authorizations = std::move(auth);
    return router.handle(r);
  }

  Router router;
};

TEST_F(RouterTest, ParametersMatchOneSegment) {
  EXPECT_EQ(call("GET", "/v1/things/a1").body, "id=a1;");
  EXPECT_EQ(call("POST", "/v1/things/x/parts/p-2/poke").body, "id=x;part=p-2;");
  EXPECT_EQ(call("GET", "/pics/cat.png").body, "name=cat;");
  // Path segments are passed as sent: decoding is the handler's business.
  EXPECT_EQ(call("GET", "/v1/things/a%20b").body, "id=a%20b;");
}

TEST_F(RouterTest, RestParameterTakesSlashes) {
  EXPECT_EQ(call("GET", "/files/a.txt").body, "name=a;");
  EXPECT_EQ(call("GET", "/files/a/b.txt").body, "name=a/b;");
  EXPECT_EQ(call("GET", "/files//x.txt").body, "name=/x;");
  EXPECT_EQ(call("GET", "/files/.txt").status, 404u);  // the name may not be empty
  EXPECT_EQ(call("GET", "/files/a.md").status, 404u);
}

TEST_F(RouterTest, UnknownPathsAre404) {
  for (const char* p :
       {"", "healthz", "/", "/healthz/", "/healthz/x", "//healthz", "/v1", "/v1/things",
        "/v1/things/", "/v1/things//parts/p/poke", "/v1/things/a/parts/p",
        "/v1/things/a/parts/p/poke/x", "/pics/.png", "/pics/a/b.png", "/pics/cat.jpg", "/nope"}) {
    Reply r = call("GET", p);
    EXPECT_EQ(r.status, 404u) << p;
    EXPECT_EQ(r.body, R"({"error":"no such route"})") << p;
    EXPECT_EQ(router.allowed_methods(p), "") << p;
  }
}

TEST_F(RouterTest, AllowListsThePathsMethodsInRegistrationOrder) {
  EXPECT_EQ(router.allowed_methods("/healthz"), "GET, HEAD");
  EXPECT_EQ(router.allowed_methods("/v1/things/1"), "GET, POST");
  EXPECT_EQ(router.allowed_methods("/v1/things/1/parts/2/poke"), "POST");
  EXPECT_EQ(router.allowed_methods("/files/a/b.txt"), "GET");
}

TEST_F(RouterTest, MethodNotServedIs405WithAllow) {
  for (const char* m : {"PUT", "DELETE", "PATCH", "BREW", "get", "HEAD"}) {
    Reply r = call(m, "/v1/things/1");
    EXPECT_EQ(r.status, 405u) << m;
    EXPECT_EQ(r.allow, "GET, POST") << m;
    EXPECT_EQ(r.rejected, "http_method");
    EXPECT_EQ(r.body, std::string(R"({"error":"method )") + m +
                          R"x( not allowed here (allowed: GET, POST)"})x");
  }
  EXPECT_EQ(call("HEAD", "/healthz").status, 200u);
}

TEST_F(RouterTest, OptionsAnswersThePathsMethodsWithoutAuth) {
  Reply r = call("OPTIONS", "/v1/admin/nodes");
  EXPECT_EQ(r.status, 204u);
  EXPECT_EQ(r.allow, "GET");
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.content_type, "text/plain");
  EXPECT_EQ(call("OPTIONS", "/nope").status, 404u);
}

TEST_F(RouterTest, QueryIsParsedOnceUnlessTheRouteReadsItRaw) {
  EXPECT_EQ(call("GET", "/v1/things/1", "q=a%20b").body, "id=1;q=a b;");
  Reply bad = call("GET", "/v1/things/1", "q=%zz");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.body, R"({"error":"malformed query string"})");
  // A raw route gets no parsed query and no 400.
  EXPECT_EQ(call("GET", "/files/a.txt", "q=%zz").body, "name=a;");
  // The method is checked before the query.
  EXPECT_EQ(call("PUT", "/v1/things/1", "q=%zz").status, 405u);
}

TEST_F(RouterTest, AdminRoutesNeedTheBearerKey) {
  EXPECT_EQ(call("GET", "/v1/admin/nodes", "", {"Bearer k"}).status, 200u);
  for (std::string_view wrong : {"", "Bearer", "Bearer ", "Bearer K", "bearer k", "Bearer k ",
                                 " Bearer k", "Bearer kk", "Basic aDpr", "k"}) {
    Reply r = call("GET", "/v1/admin/nodes", "", {wrong});
    EXPECT_EQ(r.status, 401u) << wrong;
    EXPECT_EQ(r.body, R"({"error":"missing or wrong Bearer key"})");
    EXPECT_EQ(r.rejected, "admin_unauthorized");
  }
  Reply missing = call("GET", "/v1/admin/nodes");
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.rejected, "admin_unauthorized");
  // Public routes ignore credentials.
  EXPECT_EQ(call("GET", "/healthz", "", {"Bearer wrong"}).status, 200u);
}

TEST_F(RouterTest, AdminRoutesAre404WithoutAKey) {
  router.set_admin_key("");
  Reply r = call("GET", "/v1/admin/nodes", "", {"Bearer "});
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.body, R"x({"error":"admin API disabled (no admin_key)"})x");
  EXPECT_EQ(Router().handle(Request{"GET", "/x", "", "", {}, 0, ""}).status, 404u);
}

TEST_F(RouterTest, AdminKeySourceIsReadAtEachRequest) {
  std::string key = "first";
  router.set_admin_key_source([&key] { return std::string_view(key); });
  EXPECT_EQ(call("GET", "/v1/admin/nodes", "", {"Bearer first"}).status, 200u);
  key = "second";  // a configuration reload
  EXPECT_EQ(call("GET", "/v1/admin/nodes", "", {"Bearer first"}).status, 401u);
  EXPECT_EQ(call("GET", "/v1/admin/nodes", "", {"Bearer second"}).status, 200u);
}

TEST_F(RouterTest, TwoAuthorizationHeadersAreRefusedEverywhere) {
  for (const char* p : {"/v1/admin/nodes", "/healthz", "/nope"}) {
    for (auto pair : {std::vector<std::string_view>{"Bearer k", "Bearer k"},
                      std::vector<std::string_view>{"Bearer k", ""},
                      std::vector<std::string_view>{"Bearer wrong", "Bearer k"}}) {
      Reply r = call("GET", p, "", pair);
      EXPECT_EQ(r.status, 400u) << p;
      EXPECT_EQ(r.body, R"({"error":"more than one Authorization header"})");
      EXPECT_TRUE(r.close);
      EXPECT_EQ(r.rejected, "http_duplicate_authorization");
      ASSERT_TRUE(r.log.has_value());
    }
  }
  Request one{"GET", "/healthz", "", "", {"Bearer k"}, 0, ""};
  EXPECT_FALSE(refuse_credentials(one).has_value());
  one.authorizations.push_back("x");
  EXPECT_TRUE(refuse_credentials(one).has_value());
}

TEST_F(RouterTest, BodyOverTheRouteLimitIs413BeforeTheHandler) {
  EXPECT_EQ(call("POST", "/v1/upload", "", {}, "12345678").status, 200u);
  Reply r = call("POST", "/v1/upload", "", {}, "123456789");
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.body, R"x({"error":"body too large (limit 8 bytes)"})x");
  EXPECT_EQ(call("POST", "/v1/unlimited", "", {}, std::string(1 << 20, 'x')).status, 200u);
  // The default limit: 64 KiB.
  EXPECT_EQ(call("POST", "/v1/things/1", "", {}, std::string(64 * 1024, 'x')).status, 200u);
  EXPECT_EQ(call("POST", "/v1/things/1", "", {}, std::string(64 * 1024 + 1, 'x')).status, 413u);
}

TEST_F(RouterTest, AuthIsCheckedBeforeTheBodyLimit) {
  router.post("/v1/admin/small", echo({}), {.access = Access::Admin, .max_body_bytes = 1});
  EXPECT_EQ(call("POST", "/v1/admin/small", "", {}, "xx").status, 401u);
  EXPECT_EQ(call("POST", "/v1/admin/small", "", {"Bearer k"}, "xx").status, 413u);
}

TEST_F(RouterTest, BadRegistrationsAreProgrammingErrors) {
  EXPECT_THROW(router.get("/healthz", echo({})), std::logic_error);  // twice
  EXPECT_THROW(router.get("healthz", echo({})), std::logic_error);
  EXPECT_THROW(router.get("/a//b", echo({})), std::logic_error);
  EXPECT_THROW(router.get("/a/{}", echo({})), std::logic_error);
  EXPECT_THROW(router.get("/a/{x", echo({})), std::logic_error);
  EXPECT_THROW(router.get("/a/x{y}", echo({})), std::logic_error);
  EXPECT_THROW(router.get("/a/{x...}/b", echo({})), std::logic_error);
  EXPECT_NO_THROW(router.add({"PUT"}, "/healthz", echo({})));  // another method on a path
  EXPECT_EQ(router.allowed_methods("/healthz"), "GET, HEAD, PUT");
}

TEST(JsonBody, EmptyIsAnObjectAndLimitsHold) {
  auto empty = parse_json_body("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->is_object());
  auto ok = parse_json_body(R"({"a":[1,2]})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->at("a").as_array().size(), 2u);

  auto big = parse_json_body(std::string(11, ' '), {.max_bytes = 10});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().reason, "body too large");

  auto garbage = parse_json_body("{nope");
  ASSERT_FALSE(garbage.ok());
  EXPECT_THAT(garbage.error().reason, ::testing::StartsWith("body is not JSON ("));
  EXPECT_FALSE(parse_json_body("{} {}").ok());

  const std::string deep = std::string(5, '[') + std::string(5, ']');
  EXPECT_TRUE(parse_json_body(deep, {.max_depth = 5}).ok());
  auto too_deep = parse_json_body(deep, {.max_depth = 4});
  ASSERT_FALSE(too_deep.ok());
  EXPECT_EQ(too_deep.error().reason, "body nests deeper than 4");
}

TEST(ResultContext, EachLevelAddsItsContextInFront) {
  Error e = with_context(with_context(make_error("no such room"), "dismiss r1"), "admin");
  EXPECT_EQ(e.reason, "admin: dismiss r1: no such room");
}

}  // namespace
}  // namespace minirtc::api
