#pragma once
// RTMP commands (NetConnection/NetStream calls, message types 20 and 17) and data messages
// (types 18 and 15): parsing, and builders for the replies a server sends.
//
// A command body is AMF0: name (string), transaction id (number), command object (object or
// null), then optional arguments. Type 17/15 ("AMF3") bodies start with a format selector byte
// 0x00 followed by the same AMF0 values (what Flash sends once objectEncoding is 3); a leading
// 0x00 is skipped for those types.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rtmp/amf0.hpp"
#include "rtmp/message.hpp"
#include "util/result.hpp"

namespace minirtc::rtmp {

struct Command {
  std::string name;
  double transaction_id = 0;
  amf0::Value object;             // command object; null when absent
  std::vector<amf0::Value> args;  // the values after the command object
};

/// Parses a type 20 (or 17) command message.
Result<Command> parse_command(const Message& m, const amf0::DecodeLimits& limits = {});

/// Body of a command message: name, txid, object, args.
std::vector<std::uint8_t> encode_command(std::string_view name, double txid,
                                         const amf0::Value& object,
                                         std::span<const amf0::Value> args = {});

/// Body of a client's `connect(txid, {app, tcUrl, ...})` with the properties Flash Player sends
/// (flashVer, capabilities, audio/video codecs), as the load generator and the relay send it.
std::vector<std::uint8_t> connect_command(double txid, std::string_view app,
                                          std::string_view tc_url);

/// `onStatus(0, null, {level, code, description, ...extra})`, e.g. ("status",
/// "NetStream.Publish.Start", "...") or ("error", "NetStream.Publish.BadName", "...").
std::vector<std::uint8_t> on_status(std::string_view level, std::string_view code,
                                    std::string_view description,
                                    std::span<const amf0::Property> extra = {});

/// `_result` of connect: properties {fmsVer, capabilities, mode} and information {level: status,
/// code: NetConnection.Connect.Success, description, objectEncoding}.
std::vector<std::uint8_t> connect_result(double txid, double object_encoding = 0);

/// `_result(txid, null, value)`, e.g. the stream id answering createStream.
std::vector<std::uint8_t> result(double txid, const amf0::Value& value);
/// `_error(txid, null, info)`, info usually {level: error, code, description}.
std::vector<std::uint8_t> error(double txid, const amf0::Value& info);
/// The {level, code, description} object used by onStatus/_error.
amf0::Value status_info(std::string_view level, std::string_view code,
                        std::string_view description);

/// A data message: handler name then values, e.g. ["@setDataFrame", "onMetaData", {...}] from a
/// publisher or ["onMetaData", {...}].
struct DataMessage {
  std::string name;
  std::vector<amf0::Value> values;  // everything after the name

  /// The metadata object of "@setDataFrame onMetaData {..}" or "onMetaData {..}", or nullptr.
  const amf0::Value* metadata() const noexcept;
};

/// Parses a type 18 (or 15) data message.
Result<DataMessage> parse_data(const Message& m, const amf0::DecodeLimits& limits = {});

/// Body of the `onMetaData(metadata)` data message sent to players (the publisher's
/// "@setDataFrame" wrapper stripped).
std::vector<std::uint8_t> on_metadata_payload(const amf0::Value& metadata);

/// Body of `|RtmpSampleAccess(true, true)`, which lets Flash-based players read the media.
std::vector<std::uint8_t> sample_access_payload();

}  // namespace minirtc::rtmp
