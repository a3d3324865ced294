// /metrics of a cluster node: the node label on every sample.

#include "api/metrics_label.hpp"

#include <gtest/gtest.h>

namespace minirtc::api {
namespace {

TEST(MetricsLabel, EverySampleGetsTheLabelCommentsStay) {
  const std::string in =
      "# HELP minirtc_rooms Rooms\n"
      "# TYPE minirtc_rooms gauge\n"
      "minirtc_rooms 3\n"
      "minirtc_rejected_total{reason=\"bad_url\"} 7\n"
      "minirtc_cluster_redirects_total{node=\"n2\"} 1\n"
      "minirtc_x{a=\"b\",node=\"n2\"} 2\n"
      "minirtc_empty{} 4\n"
      "\n";
  EXPECT_EQ(label_samples(in, "node", "n2"),
            "# HELP minirtc_rooms Rooms\n"
            "# TYPE minirtc_rooms gauge\n"
            "minirtc_rooms{node=\"n2\"} 3\n"
            "minirtc_rejected_total{reason=\"bad_url\",node=\"n2\"} 7\n"
            "minirtc_cluster_redirects_total{node=\"n2\"} 1\n"
            "minirtc_x{a=\"b\",node=\"n2\"} 2\n"
            "minirtc_empty{node=\"n2\"} 4\n"
            "\n");
}

TEST(MetricsLabel, ALabelWhoseNameOnlyEndsLikeTheOneAddedIsNotIt) {
  EXPECT_EQ(label_samples("m{subnode=\"x\"} 1", "node", "n1"), "m{subnode=\"x\",node=\"n1\"} 1");
}

TEST(MetricsLabel, LinesItDoesNotUnderstandStayAsTheyAre) {
  EXPECT_EQ(label_samples("m{a=\"b\" 1\nname_only\n", "node", "n1"), "m{a=\"b\" 1\nname_only\n");
  EXPECT_EQ(label_samples("", "node", "n1"), "");
}

}  // namespace
}  // namespace minirtc::api
