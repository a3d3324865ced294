#pragma once
// Aggregate messages (type 22, RTMP spec 7.1.6): several audio/video/data messages packed as FLV
// tags (11-byte tag header, body, 4-byte back pointer). Some servers and encoders (FMS/Wowza
// relays) send them; the rest of this server only handles the individual messages.

#include <cstddef>
#include <vector>

#include "rtmp/message.hpp"
#include "util/result.hpp"

namespace minirtc::rtmp {

struct AggregateLimits {
  std::size_t max_messages = 4096;  // sub-messages in one aggregate
};

/// Splits an aggregate into its sub-messages. Each keeps the aggregate's csid and message stream
/// id; timestamps are rebased so that the first sub-message has the aggregate's timestamp and
/// the others keep their distance to it. Sub-messages must be audio, video or data (types 8, 9,
/// 15, 18). The back pointer after the last tag may be missing; back pointer values are not
/// checked (encoders disagree on them).
Result<std::vector<Message>> split_aggregate(const Message& aggregate,
                                             const AggregateLimits& limits = {});

}  // namespace minirtc::rtmp
