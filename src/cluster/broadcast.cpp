#include "cluster/broadcast.hpp"

#include "auth/url_signer.hpp"
#include "cluster/json_fields.hpp"
#include "cluster/node_record.hpp"

namespace minirtc::cluster {

namespace json = boost::json;

bool is_broadcast_id(std::string_view id) noexcept {
  if (id.size() != kBroadcastIdLength) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string encode_broadcast(const Broadcast& message, std::string_view id) {
  json::object o;
  if (const auto* r = std::get_if<RevokeMessage>(&message)) {
    o["type"] = "revoke";
    o["id"] = id;
    o["nonce"] = r->nonce;
    o["keepUntil"] = r->keep_until_s;
  } else if (const auto* f = std::get_if<ReportForwardMessage>(&message)) {
    o["type"] = "report";
    o["id"] = id;
    o["to"] = f->to;
    o["body"] = f->body;
  } else {
    const auto& m = std::get<ViewerMuteMessage>(message);
    o["type"] = "viewerMute";
    o["id"] = id;
    o["stream"] = stream_key(m.stream);
    o["viewer"] = m.viewer;
    o["audio"] = m.audio;
    o["video"] = m.video;
  }
  return json::serialize(o);
}

Result<DecodedBroadcast> decode_broadcast(std::string_view body) {
  Fields f(body, kMaxBroadcastBody, "broadcast");
  std::string type, id;
  f.string("type", type, 16);
  f.string("id", id, kBroadcastIdLength);
  auto decoded = [&id](Broadcast m) -> Result<DecodedBroadcast> {
    if (!is_broadcast_id(id))
      return make_error("broadcast: id is not 32 lower-case hex characters");
    return DecodedBroadcast{std::move(id), std::move(m)};
  };
  if (type == "report") {
    ReportForwardMessage r;
    f.string("to", r.to, 64);
    f.string("body", r.body, kMaxForwardedReport);
    if (auto st = f.finish(); !st) return st.error();
    if (!is_valid_node_id(r.to)) return make_error("broadcast: to is not a node id");
    if (r.body.empty()) return make_error("broadcast: report body is empty");
    return decoded(std::move(r));
  }
  if (body.size() > kMaxSmallBroadcast)
    return make_error("broadcast: longer than " + std::to_string(kMaxSmallBroadcast) +
                      " bytes for its type");
  if (type == "revoke") {
    RevokeMessage r;
    f.string("nonce", r.nonce, 64);
    f.u32("keepUntil", r.keep_until_s);
    if (auto st = f.finish(); !st) return st.error();
    if (!auth::is_url_nonce(r.nonce)) return make_error("broadcast: nonce is not a URL nonce");
    return decoded(std::move(r));
  }
  if (type == "viewerMute") {
    ViewerMuteMessage m;
    std::string key;
    f.string("stream", key, 512);
    f.string("viewer", m.viewer, 128);
    f.boolean("audio", m.audio);
    f.boolean("video", m.video);
    if (auto st = f.finish(); !st) return st.error();
    auto id = parse_stream_key(key);
    if (!id) return make_error("broadcast: stream is not a stream key");
    m.stream = std::move(*id);
    if (!is_valid_id(m.viewer)) return make_error("broadcast: viewer is not a valid id");
    return decoded(std::move(m));
  }
  if (auto st = f.finish(); !st) return st.error();
  return make_error("broadcast: unknown type");
}

}  // namespace minirtc::cluster
