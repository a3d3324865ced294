#pragma once
// /metrics of a cluster node: every sample carries the node's id as a label (docs/cluster.md),
// so that one Prometheus scraping several nodes behind one address tells them apart. The
// exposition text (Prometheus 0.0.4) is rewritten line by line: comments and blank lines stay,
// `name value` becomes `name{node="ID"} value`, `name{a="b"} value` becomes
// `name{a="b",node="ID"} value`; a sample that already has the label keeps it.
// Pure: text in, text out. `value` must not need escaping (node ids: [a-zA-Z0-9_.-]).

#include <string>
#include <string_view>

namespace minirtc::api {

std::string label_samples(std::string_view exposition, std::string_view name,
                          std::string_view value);

}  // namespace minirtc::api
