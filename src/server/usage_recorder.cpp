#include "server/usage_recorder.hpp"

#include <charconv>
#include <cstdint>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "http/query.hpp"
#include "media/hub.hpp"
#include "usage/store.hpp"

namespace minirtc::server {

namespace json = boost::json;

namespace {

std::uint64_t identity(const void* who) {
  return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(who));
}

/// What is still attached to the stream when a record closes: its publisher (viewer "") or the
/// viewer's players. What left before was told to the ledger when it left (on_departure).
usage::MediaFigures figures_of(media::Hub& hub, const StreamId& id, const std::string& viewer) {
  usage::MediaFigures f;
  media::Source* source = hub.find(id);
  if (source == nullptr) return f;
  f.width = source->width();
  f.height = source->height();
  if (viewer.empty()) {
    if (source->publisher())
      f.attached.push_back({identity(source->publisher()), source->publish_bytes_in()});
  } else {
    for (auto* v : source->viewers())
      if (v->viewer_id() == viewer)
        f.attached.push_back({identity(v), v->viewer_stats().bytes_out});
  }
  return f;
}

std::optional<std::uint64_t> number(const http::Query& q, std::string_view key,
                                    std::uint64_t fallback) {
  auto v = q.get(key);
  if (!v) return fallback;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size()) return std::nullopt;
  return n;
}

double minutes(std::uint64_t ms) {
  return static_cast<double>(ms) / 60000.0;
}

json::object totals_json(const usage::Totals& t) {
  json::object o;
  if (!t.room_id.empty()) o["roomId"] = t.room_id;
  o["sessions"] = t.sessions;
  o["participantMinutes"] = minutes(t.participant_ms);
  o["publishedMinutes"] = minutes(t.published_ms);
  o["subscribedMinutes"] = minutes(t.subscribed_ms);
  o["publishedBytes"] = t.published_bytes;
  o["subscribedBytes"] = t.subscribed_bytes;
  return o;
}

/// A CSV field: quoted when it holds a comma, quote or line break (ids never do; reasons might).
std::string csv(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

}  // namespace

Result<std::unique_ptr<UsageRecorder>> UsageRecorder::open(const std::string& data_dir,
                                                           EventBus& bus, media::Hub& hub) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return make_error(fmt::format("cannot create data dir {}: {}", data_dir, ec.message()));
  const std::string path = (std::filesystem::path(data_dir) / db::kFileName).string();
  // The database layer's reason names the file and what is wrong; this says what it is for.
  constexpr std::string_view what = "usage records";
  auto writer = db::Database::open(path);
  if (!writer) return with_context(writer.error(), what);
  if (auto st = writer->migrate("usage", usage::migrations()); !st)
    return with_context(st.error(), what);
  auto reader =
      db::Database::open(path, {.busy_timeout_ms = 5000, .read_only = true, .check = false});
  if (!reader) return with_context(reader.error(), "usage records reader");
  return std::unique_ptr<UsageRecorder>(
      new UsageRecorder(std::move(*reader), std::move(*writer), bus, hub));
}

UsageRecorder::UsageRecorder(db::Database reader, db::Database writer, EventBus& bus,
                             media::Hub& hub)
    : hub_(hub),
      reader_(std::move(reader)),
      writer_(std::move(writer)),
      ledger_([&hub](const StreamId& id, const std::string& viewer) {
        return figures_of(hub, id, viewer);
      }),
      subscription_(bus.subscribe(*this)) {
  // Synchronous, inside the hub's call: the source (and the departing connection) still exist.
  hub_.on_departure([this](const StreamId& id, const media::Departure& d) {
    ledger_.on_departure(id, {.publisher = d.publisher,
                              .viewer = d.viewer_id,
                              .carried = {identity(d.who), d.bytes},
                              .width = d.width,
                              .height = d.height});
  });
}

UsageRecorder::~UsageRecorder() {
  hub_.on_departure({});
}

void UsageRecorder::submit(usage::Records&& records) {
  if (records.sessions.empty() && records.streams.empty()) return;
  if (!writer_.submit(usage::write_job(std::move(records))))
    spdlog::error("usage: the database writer's queue is full; a call record was dropped");
}

void UsageRecorder::on_event(const room::Event& event) {
  usage::Records out;
  ledger_.on_event(event, out);
  submit(std::move(out));
}

void UsageRecorder::close_all(std::uint64_t now_ms) {
  usage::Records out;
  ledger_.close_all(now_ms, out);
  submit(std::move(out));
  if (!writer_.flush()) spdlog::error("usage: call records not all written at shutdown");
}

api::Reply UsageRecorder::handle(std::string_view app_id, bool sessions, const http::Query& query,
                                 std::uint64_t now_ms) {
  using api::json_error;
  const auto* q = &query;
  const auto from = number(*q, "from", 0), to = number(*q, "to", now_ms);
  if (!from || !to || *from > *to)
    return json_error(400, "from and to are unix times in ms, from <= to");
  usage::UsageQuery uq{std::string(app_id), std::nullopt, *from, *to};
  if (auto room = q->get("roomId")) uq.room_id = std::string(*room);

  if (!sessions) {
    json::object o;
    o["appId"] = uq.app_id;
    o["from"] = uq.from_ms;
    o["to"] = uq.to_ms;
    if (q->get("by") == std::optional<std::string_view>("room")) {
      auto rows = usage::totals_by_room(reader_, uq);
      if (!rows) return json_error(500, rows.error().reason);
      json::array a;
      for (const auto& t : *rows) a.push_back(totals_json(t));
      o["rooms"] = std::move(a);
    } else {
      auto t = usage::totals(reader_, uq);
      if (!t) return json_error(500, t.error().reason);
      for (auto& [k, v] : totals_json(*t)) o[k] = v;
    }
    return api::json_reply(json::serialize(o));
  }
  const auto limit = number(*q, "limit", 100), cursor = number(*q, "cursor", 0);
  if (!limit || *limit < 1 || *limit > 1000) return json_error(400, "limit is 1..1000");
  if (!cursor) return json_error(400, "cursor must be a number");
  auto page = usage::sessions(reader_, uq, *limit, static_cast<std::int64_t>(*cursor));
  if (!page) return json_error(500, page.error().reason);
  if (q->get("format") == std::optional<std::string_view>("csv")) {
    std::string body = "appId,roomId,userId,visible,mediaOnly,joinMs,leaveMs,leaveReason\n";
    for (const auto& s : page->sessions)
      body +=
          fmt::format("{},{},{},{},{},{},{},{}\n", csv(s.app_id), csv(s.room_id), csv(s.user_id),
                      s.visible, s.media_only, s.join_ms, s.leave_ms, csv(s.leave_reason));
    api::Reply r;
    r.body = std::move(body);
    r.content_type = "text/csv";
    return r;
  }
  json::array a;
  for (const auto& s : page->sessions) {
    json::object o;
    o["appId"] = s.app_id;
    o["roomId"] = s.room_id;
    o["userId"] = s.user_id;
    o["visible"] = s.visible;
    o["mediaOnly"] = s.media_only;
    o["joinMs"] = s.join_ms;
    o["leaveMs"] = s.leave_ms;
    o["leaveReason"] = s.leave_reason;
    a.push_back(std::move(o));
  }
  json::object o;
  o["sessions"] = std::move(a);
  if (page->next)
    o["next"] = *page->next;
  else
    o["next"] = nullptr;
  return api::json_reply(json::serialize(o));
}

}  // namespace minirtc::server
