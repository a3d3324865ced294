#pragma once
// The body of POST /v1/report (docs/protocol.md §5): {sessionToken, appId?, roomId?, reports:
// [...]}. The body as a whole must be valid (size, JSON, token, array; appId and roomId, which name
// the session's room so that a cluster node that does not hold it can forward the report, both
// valid ids or both absent); single reports that are malformed or of an unknown type are skipped,
// so one bad entry does not lose a batch.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "room/requests.hpp"
#include "util/result.hpp"

namespace minirtc::signal {

struct ReportLimits {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_depth = 16;
  std::size_t max_reports = 256;        // further entries are ignored
  std::size_t max_message_bytes = 512;  // longer state messages are cut (at a UTF-8 boundary)
  std::size_t max_info_bytes = 4096;    // larger net info objects are skipped
};

struct ReportBatch {
  std::string session_token;
  std::string app_id, room_id;  // empty: the body does not name the room (SDKs before clusters)
  std::vector<room::ClientReport> reports;
  std::size_t skipped = 0;
};

Result<ReportBatch> parse_report_body(std::string_view body, const ReportLimits& limits);

}  // namespace minirtc::signal
