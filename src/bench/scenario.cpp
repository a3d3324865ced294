#include "bench/scenario.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auth/access_token.hpp"
#include "auth/url_signer.hpp"
#include "bench/clock.hpp"
#include "bench/flv_client.hpp"
#include "bench/latency_histogram.hpp"
#include "bench/media_clip.hpp"
#include "bench/proc_stats.hpp"
#include "bench/rtmp_client.hpp"
#include "bench/send_log.hpp"
#include "bench/signal_client.hpp"
#include "core/ids.hpp"
#include "flv/video.hpp"

namespace minirtc::bench {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint32_t kPublisherChunkSize = 60000;  // as the server's outgoing chunk size
constexpr double kBenchCpuWarn = 0.85;                // of one core

Result<tcp::endpoint> parse_endpoint(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  if (colon == std::string::npos) return make_error("expected HOST:PORT, got " + host_port);
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host_port.substr(0, colon), ec);
  if (ec) return make_error("bad address in " + host_port);
  unsigned port = 0;
  const auto p = host_port.substr(colon + 1);
  auto [end, err] = std::from_chars(p.data(), p.data() + p.size(), port);
  if (err != std::errc() || end != p.data() + p.size() || port == 0 || port > 65535)
    return make_error("bad port in " + host_port);
  return tcp::endpoint(addr, static_cast<std::uint16_t>(port));
}

/// How streams are named: signed MiniRTC URLs for an app, or plain names for nginx-rtmp.
struct Naming {
  std::string app_id, app_key;  // empty: plain
  std::string rtmp_host_port;

  bool signed_urls() const { return !app_id.empty(); }
  std::string key(const std::string& room, const std::string& user) const {
    return signed_urls() ? stream_key(StreamId{app_id, room, user, StreamKind::Main})
                         : room + "_" + user;
  }
  std::string query(const std::string& room, const std::string& user, const std::string& viewer,
                    bool publish) const {
    if (!signed_urls()) return "";
    auth::UrlGrant g;
    g.action = publish ? auth::UrlAction::Publish : auth::UrlAction::Play;
    g.stream = StreamId{app_id, room, user, StreamKind::Main};
    g.viewer = publish ? "" : viewer;
    g.expire_at = static_cast<std::uint32_t>(std::time(nullptr)) + 7200;
    g.nonce = auth::new_nonce();
    std::string q(1, '?');
    q += auth::sign_url_query(g, app_key);
    return q;
  }
  std::string rtmp_stream(const std::string& room, const std::string& user,
                          const std::string& viewer, bool publish) const {
    return key(room, user) + query(room, user, viewer, publish);
  }
  std::string flv_path(const std::string& room, const std::string& user,
                       const std::string& viewer) const {
    return "/live/" + key(room, user) + ".flv" + query(room, user, viewer, false);
  }
};

struct FailureLog {
  int count = 0;
  std::map<std::string, int> reasons;
  void add(const std::string& reason) {
    ++count;
    if (reasons.size() < 8 || reasons.count(reason)) ++reasons[reason];
  }
  std::string summary() const {
    std::string s;
    for (const auto& [r, n] : reasons) s += fmt::format("{}{}x {}", s.empty() ? "" : "; ", n, r);
    return s;
  }
};

/// Samples a server's CPU and memory; all zero without a PID. A server pinned to one core is also
/// charged for that core's ksoftirqd: work it caused, which the kernel ran in a thread of its own.
struct ServerWatch {
  int pid = 0;
  int softirq_pid = 0;
  std::optional<ProcSample> sample() const {
    auto s = pid > 0 ? sample_process(pid) : std::nullopt;
    if (s && softirq_pid > 0)
      if (auto k = sample_process(softirq_pid)) s->softirq_seconds = k->cpu_seconds;
    return s;
  }
};

class Runner {
 public:
  explicit Runner(const BenchOptions& o) : o_(o) {}

  Result<Report> run();

 private:
  struct Publisher {
    std::shared_ptr<RtmpClient> client;
    std::unique_ptr<ClipCursor> cursor;
    std::unique_ptr<asio::steady_timer> timer;
    SendLog log;
    std::int64_t t0_ns = 0;
    std::uint64_t bytes_sent = 0;
    bool live = false;
    bool failed = false;
  };
  struct Viewer {
    std::size_t publisher = 0;
    std::size_t target = 0;  // index into the play targets (BenchOptions::play_rtmp/play_http)
    bool slow = false;
    bool stamped = false;  // arrival times from the kernel: its latency is measured
    std::int64_t start_ns = 0;
    bool ready = false;
    bool failed = false;
    bool first_frame = false;
    std::uint64_t window_start_bytes = 0;
    std::shared_ptr<RtmpClient> rtmp;
    std::shared_ptr<FlvClient> flv;
    std::uint64_t bytes_in() const { return rtmp ? rtmp->bytes_in() : flv ? flv->bytes_in() : 0; }
  };
  struct ViewerTotals {
    LatencyHistogram latency, latency_at_read, ttff, ttff_all, ready;
    int first_key = 0, first_not_key = 0;
    std::uint64_t unmatched = 0;
  };

  awaitable<void> sleep_s(double seconds);
  awaitable<void> drive_media();
  awaitable<void> drive_signal();

  void start_publisher(std::size_t index, const std::string& room, const std::string& user);
  void pace(Publisher& p);
  /// `index`: the viewer's place in the ramp; it picks the play target and the latency sample.
  void start_viewer(std::size_t index, std::size_t publisher, const std::string& room,
                    const std::string& user, const std::string& viewer_id, bool flv, bool slow);
  void on_media(Viewer& v, int type, std::uint32_t ts, std::span<const std::uint8_t> payload,
                std::int64_t now);
  void close_all();
  void viewer_ready(Viewer& v) {
    std::lock_guard lock(mu_);
    v.ready = true;
    (v.slow ? slow_ : normal_).ready.record(ns_to_ms(now_ns() - v.start_ns));
  }
  void report_server(Report& r, const std::optional<ProcSample>& base,
                     const std::optional<ProcSample>& w0, const std::optional<ProcSample>& w1,
                     std::uint64_t peak_rss_kb, double delivered_bytes, int units,
                     const char* unit_name);
  void report_self(Report& r, const ProcSample& s0, const ProcSample& s1, double seconds);

  const BenchOptions& o_;
  // Prefix of room names: each run uses fresh rooms and streams, so state a server keeps from an
  // earlier run (detached sessions, a stream being taken over) cannot leak into this one.
  const std::string run_tag_ = fmt::format("r{:x}-", static_cast<std::uint32_t>(now_ns() / 1000));
  asio::io_context io_;
  // The latency sample's viewers run on a thread of their own: a light loop that reads as soon
  // as bytes arrive, so a kernel stamp covers one server write, not several that queued while a
  // saturated main loop was busy (the stamp is that of the newest bytes read).
  asio::io_context sample_io_;
  std::thread sample_thread_;
  // Guards what both loops touch: viewers' flags, the totals, the send logs, failure logs.
  std::mutex mu_;
  Naming naming_;
  tcp::endpoint rtmp_ep_, http_ep_;
  // Where viewers play (the publisher's server unless --play-rtmp / --play-http name others).
  struct PlayTarget {
    tcp::endpoint ep;
    std::string host_port;
  };
  std::vector<PlayTarget> play_rtmp_, play_http_;
  std::vector<LatencyHistogram> target_latency_;    // the sample's latency, per play target
  std::vector<std::pair<std::string, int>> watch_;  // (label, pid) of --watch
  MediaClip clip_;
  ServerWatch server_;
  std::vector<std::unique_ptr<Publisher>> publishers_;
  std::vector<std::unique_ptr<Viewer>> viewers_;
  ViewerTotals normal_, slow_;
  FailureLog publisher_failures_, viewer_failures_;
  bool window_ = false;
  Report report_;
  std::optional<Error> error_;

  // Signalling.
  std::vector<std::shared_ptr<SignalClient>> sessions_;
  std::vector<std::int64_t> join_sent_ns_, leave_sent_ns_;
  LatencyHistogram join_rtt_, online_delivery_, leave_delivery_, ping_rtt_;
  int joined_ = 0;
  FailureLog session_failures_;
};

awaitable<void> Runner::sleep_s(double seconds) {
  asio::steady_timer t(io_);
  t.expires_after(std::chrono::microseconds(static_cast<std::int64_t>(seconds * 1e6)));
  co_await t.async_wait(use_awaitable);
}

void Runner::start_publisher(std::size_t index, const std::string& room, const std::string& user) {
  auto& p = *publishers_[index];
  p.cursor = std::make_unique<ClipCursor>(clip_);
  p.timer = std::make_unique<asio::steady_timer>(io_);
  RtmpTarget target{rtmp_ep_, "live", "rtmp://" + naming_.rtmp_host_port + "/live",
                    naming_.rtmp_stream(room, user, "", true)};
  RtmpClient::Handlers h;
  h.on_ready = [this, &p] {
    p.live = true;
    p.client->set_out_chunk_size(kPublisherChunkSize);
    p.t0_ns = now_ns();
    pace(p);
  };
  h.on_closed = [this, &p](const std::string& reason) {
    p.failed = true;
    p.timer->cancel();
    publisher_failures_.add(reason);
  };
  p.client =
      std::make_shared<RtmpClient>(io_, RtmpClient::Role::Publish, std::move(target), std::move(h));
  p.client->start();
}

void Runner::pace(Publisher& p) {
  if (p.failed || p.client->closed()) return;
  const auto now = now_ns();
  // Send everything due (and what is due within 1 ms: a timer wake-up costs more than the wait).
  while (p.t0_ns + static_cast<std::int64_t>(p.cursor->timestamp()) * 1'000'000 <=
         now + 1'000'000) {
    const auto& t = p.cursor->tag().tag;
    const auto ts = p.cursor->timestamp();
    const auto type = static_cast<std::uint8_t>(t.type);
    if (t.type != flv::TagType::Script) {
      std::lock_guard lock(mu_);
      p.log.record(t.type == flv::TagType::Video ? 1 : 0, ts, now_ns());
    }
    p.client->send_media(type, ts, t.data.span());
    p.bytes_sent += t.data.size();
    p.cursor->advance();
  }
  const auto due = p.t0_ns + static_cast<std::int64_t>(p.cursor->timestamp()) * 1'000'000;
  p.timer->expires_at(std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due)));
  p.timer->async_wait([this, &p](boost::system::error_code ec) {
    if (!ec) pace(p);
  });
}

void Runner::start_viewer(std::size_t index, std::size_t publisher, const std::string& room,
                          const std::string& user, const std::string& viewer_id, bool flv,
                          bool slow) {
  viewers_.push_back(std::make_unique<Viewer>());
  auto& v = *viewers_.back();
  v.publisher = publisher;
  v.slow = slow;
  // Viewer i plays from target i % n; the sample takes every Nth viewer of each target alike.
  const auto& targets = flv ? play_http_ : play_rtmp_;
  v.target = index % targets.size();
  const auto& target = targets[v.target];
  // Kernel receive stamps cost the load generator a readiness wait and a recvmsg with control
  // data per read; a sample of viewers measures latency, the rest only read.
  v.stamped = o_.stamp_every > 0 &&
              (index / targets.size()) % static_cast<std::size_t>(o_.stamp_every) == 0;
  auto& io = v.stamped ? sample_io_ : io_;
  v.start_ns = now_ns();
  const double rate = slow ? clip_.bitrate_bps() / 8.0 * o_.slow_factor : 0.0;
  auto on_closed = [this, &v](const std::string& reason) {
    std::lock_guard lock(mu_);
    v.failed = true;
    viewer_failures_.add(reason);
  };
  if (flv) {
    FlvClient::Handlers h;
    h.on_ready = [this, &v] { viewer_ready(v); };
    h.on_tag = [this, &v](flv::TagType type, std::uint32_t ts, std::span<const std::uint8_t> body,
                          std::int64_t now) { on_media(v, static_cast<int>(type), ts, body, now); };
    h.on_closed = on_closed;
    v.flv =
        std::make_shared<FlvClient>(io, target.ep, target.host_port,
                                    naming_.flv_path(room, user, viewer_id), std::move(h), rate);
    if (v.stamped) v.flv->stamp_arrivals();
    asio::post(io, [c = v.flv] { c->start(); });
  } else {
    RtmpTarget play{target.ep, "live", "rtmp://" + target.host_port + "/live",
                    naming_.rtmp_stream(room, user, viewer_id, false)};
    RtmpClient::Handlers h;
    h.on_ready = [this, &v] { viewer_ready(v); };
    h.on_media = [this, &v](std::uint8_t type, std::uint32_t ts,
                            std::span<const std::uint8_t> payload,
                            std::int64_t now) { on_media(v, type, ts, payload, now); };
    h.on_closed = on_closed;
    v.rtmp = std::make_shared<RtmpClient>(io, RtmpClient::Role::Play, std::move(play), std::move(h),
                                          rate);
    if (v.stamped) v.rtmp->stamp_arrivals();
    asio::post(io, [c = v.rtmp] { c->start(); });
  }
}

void Runner::on_media(Viewer& v, int type, std::uint32_t ts, std::span<const std::uint8_t> payload,
                      std::int64_t arrival) {
  if (type != 8 && type != 9) return;
  std::lock_guard lock(mu_);
  auto& totals = v.slow ? slow_ : normal_;
  if (type == 9 && !v.first_frame) {
    auto info = flv::parse_video_tag(payload);
    if (info && !info->sequence_header()) {
      v.first_frame = true;
      // The sample's own loop answers the server's handshake replies at once; a saturated main
      // loop would add its queue to every step of the others' play exchange.
      if (v.stamped) totals.ttff.record(ns_to_ms(arrival - v.start_ns));
      totals.ttff_all.record(ns_to_ms(arrival - v.start_ns));
      (info->keyframe() ? totals.first_key : totals.first_not_key)++;
    }
  }
  if (!window_) return;
  const auto sent = publishers_[v.publisher]->log.find(type == 9 ? 1 : 0, ts);
  if (!sent) {
    ++totals.unmatched;
    return;
  }
  // Frames sent before this viewer arrived (the GOP cache) measure the cache, not the server.
  if (*sent < v.start_ns) return;
  // Slow viewers are never in the sample; their latency (their own throttling) is from read times.
  if (v.stamped || v.slow) totals.latency.record(ns_to_ms(arrival - *sent));
  if (v.stamped && !v.slow) target_latency_[v.target].record(ns_to_ms(arrival - *sent));
  totals.latency_at_read.record(ns_to_ms(now_ns() - *sent));
}

void Runner::close_all() {
  for (auto& p : publishers_) {
    if (p->timer) p->timer->cancel();
    if (p->client) p->client->close();
  }
  for (auto& v : viewers_) {
    auto& io = v->stamped ? sample_io_ : io_;
    if (v->rtmp) asio::post(io, [c = v->rtmp] { c->close(); });
    if (v->flv) asio::post(io, [c = v->flv] { c->close(); });
  }
  for (auto& s : sessions_) s->close();
}

void Runner::report_server(Report& r, const std::optional<ProcSample>& base,
                           const std::optional<ProcSample>& w0, const std::optional<ProcSample>& w1,
                           std::uint64_t peak_rss_kb, double delivered_bytes, int units,
                           const char* unit_name) {
  if (!base || !w0 || !w1) {
    r.add("server_stats", "unavailable (no --server-pid)");
    return;
  }
  const double process = w1->cpu_seconds - w0->cpu_seconds;
  const double softirq = w1->softirq_seconds - w0->softirq_seconds;
  const double cpu = process + softirq;
  r.add("server_cpu_seconds", cpu, "s");
  r.add("server_cpu_process_seconds", process, "s");
  r.add("server_cpu_ksoftirqd_seconds", softirq, "s");
  r.add("server_cpu_percent", 100.0 * cpu / o_.duration_seconds, "%");
  if (delivered_bytes > 0) r.add("server_cpu_s_per_gb", cpu / (delivered_bytes / 1e9), "s/GB");
  r.add("server_rss_before_kb", base->rss_kb, "KiB");
  r.add("server_rss_window_start_kb", w0->rss_kb, "KiB");
  r.add("server_rss_window_end_kb", w1->rss_kb, "KiB");
  r.add("server_rss_window_peak_kb", peak_rss_kb, "KiB");
  r.add("server_rss_growth_in_window_kb",
        static_cast<std::int64_t>(w1->rss_kb) - static_cast<std::int64_t>(w0->rss_kb), "KiB");
  r.add("server_hwm_kb", w1->hwm_kb, "KiB");
  if (units > 0)
    r.add(std::string("server_kb_per_") + unit_name,
          (static_cast<double>(w1->rss_kb) - static_cast<double>(base->rss_kb)) / units, "KiB");
}

void Runner::report_self(Report& r, const ProcSample& s0, const ProcSample& s1, double seconds) {
  const double share = (s1.cpu_seconds - s0.cpu_seconds) / seconds;
  r.add("bench_cpu_percent", 100.0 * share, "% of one core");
  r.add("bench_rss_kb", s1.rss_kb, "KiB");
  if (share >= kBenchCpuWarn)
    r.warn(
        fmt::format("the load generator used {:.0f}% of a core: it may be the bottleneck; scale "
                    "the scenario down",
                    100.0 * share));
}

awaitable<void> Runner::drive_media() {
  const bool calls = o_.scenario == "calls";
  const bool flv = !calls && o_.proto == "flv";
  auto& r = report_;
  r.add("scenario", o_.scenario == "fanout" && o_.slow_fraction > 0 ? "slow" : o_.scenario);
  r.add("target", o_.label.empty() ? (naming_.signed_urls() ? "minirtc" : "plain") : o_.label);
  r.add("viewer_protocol", flv ? "http-flv" : "rtmp");
  r.add("stream_kbps", clip_.bitrate_bps() / 1000.0, "kbit/s");

  // Publishers first; viewers come once every stream is live (and has a keyframe cached).
  std::vector<std::pair<std::string, std::string>> streams;  // (room, user) per publisher
  if (calls) {
    for (int room = 0; room < o_.rooms; ++room)
      for (int u = 0; u < o_.room_size; ++u)
        streams.emplace_back(fmt::format("{}call{}", run_tag_, room), fmt::format("u{}", u));
  } else {
    streams.emplace_back(o_.room.empty() ? run_tag_ + "fanout" : o_.room, "pub");
  }
  for (std::size_t i = 0; i < streams.size(); ++i)
    publishers_.push_back(std::make_unique<Publisher>());
  const double pub_spacing = calls ? std::min(2.0, o_.ramp_seconds) / streams.size() : 0.0;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    start_publisher(i, streams[i].first, streams[i].second);
    if (pub_spacing > 0) co_await sleep_s(pub_spacing);
  }
  co_await sleep_s(2.5);  // past the first keyframe, so the GOP cache holds one
  int live = 0;
  for (auto& p : publishers_) live += p->live && !p->failed;
  r.add("publishers", static_cast<std::int64_t>(publishers_.size()));
  r.add("publishers_live", live);
  const auto base = server_.sample();

  // Viewers, ramped evenly.
  struct Want {
    std::size_t publisher;
    std::string viewer;
  };
  std::vector<Want> wants;
  if (calls) {
    for (int room = 0; room < o_.rooms; ++room)
      for (int u = 0; u < o_.room_size; ++u)
        for (int other = 0; other < o_.room_size; ++other)
          if (other != u)
            wants.push_back(
                {static_cast<std::size_t>(room * o_.room_size + other), fmt::format("u{}", u)});
  } else {
    for (int i = 0; i < o_.viewers; ++i) wants.push_back({0, fmt::format("v{}", i)});
  }
  const int slow_every =
      o_.slow_fraction > 0 ? std::max(1, static_cast<int>(1.0 / o_.slow_fraction)) : 0;
  const auto ramp_start = now_ns();
  const double spacing_ns = wants.empty() ? 0 : o_.ramp_seconds * 1e9 / wants.size();
  for (std::size_t i = 0; i < wants.size(); ++i) {
    const auto due = ramp_start + static_cast<std::int64_t>(spacing_ns * i);
    if (due > now_ns() + 1'000'000) co_await sleep_s(ns_to_ms(due - now_ns()) / 1000.0);
    const auto& w = wants[i];
    const bool slow = slow_every > 0 &&
                      static_cast<int>(i % static_cast<std::size_t>(slow_every)) == slow_every - 1;
    start_viewer(i, w.publisher, streams[w.publisher].first, streams[w.publisher].second, w.viewer,
                 flv, slow);
  }
  co_await sleep_s(o_.settle_seconds);

  // The measurement window.
  std::unique_lock lock(mu_);
  for (auto& v : viewers_) v->window_start_bytes = v->bytes_in();
  normal_.latency.clear();
  normal_.latency_at_read.clear();
  slow_.latency.clear();
  for (auto& h : target_latency_) h.clear();
  normal_.unmatched = slow_.unmatched = 0;
  const int failed_before_window = viewer_failures_.count;
  const auto w0 = server_.sample();
  const std::uint16_t server_ports[] = {rtmp_ep_.port(), http_ep_.port()};
  const auto tcp0 = tcp_socket_memory_kb();
  const auto sendq0 = server_send_queue_kb(server_ports);
  const auto self0 = sample_self();
  std::vector<std::optional<ProcSample>> watch0;
  std::vector<std::optional<double>> watch_sched0;
  for (const auto& [label, pid] : watch_) {
    watch0.push_back(sample_process(pid));
    watch_sched0.push_back(sched_cpu_seconds(pid));
  }
  const auto t0 = now_ns();
  window_ = true;
  lock.unlock();
  std::uint64_t peak = w0 ? w0->rss_kb : 0;
  for (double left = o_.duration_seconds; left > 0; left -= 1.0) {
    co_await sleep_s(std::min(1.0, left));
    if (auto s = server_.sample()) peak = std::max(peak, s->rss_kb);
  }
  lock.lock();
  window_ = false;
  const double seconds = ns_to_ms(now_ns() - t0) / 1000.0;
  const auto w1 = server_.sample();
  const auto tcp1 = tcp_socket_memory_kb();
  const auto sendq1 = server_send_queue_kb(server_ports);
  const auto self1 = sample_self();
  std::vector<std::optional<ProcSample>> watch1;
  std::vector<std::optional<double>> watch_sched1;
  for (const auto& [label, pid] : watch_) {
    watch1.push_back(sample_process(pid));
    watch_sched1.push_back(sched_cpu_seconds(pid));
  }

  int ready = 0, failed = 0, no_frame = 0, slow_count = 0;
  double bytes = 0, slow_bytes = 0;
  for (auto& v : viewers_) {
    ready += v->ready && !v->failed;
    failed += v->failed || !v->ready;
    no_frame += !v->first_frame;
    slow_count += v->slow;
    const double b = static_cast<double>(v->bytes_in() - v->window_start_bytes);
    bytes += b;
    if (v->slow) slow_bytes += b;
  }
  r.add("viewers", static_cast<std::int64_t>(viewers_.size()));
  r.add("viewers_connected", ready);
  r.add("viewers_failed", failed);
  r.add("viewers_failed_during_window", viewer_failures_.count - failed_before_window);
  r.add("viewers_without_frame", no_frame);
  if (!viewer_failures_.reasons.empty())
    r.add("viewer_failure_reasons", viewer_failures_.summary());
  if (!publisher_failures_.reasons.empty())
    r.add("publisher_failure_reasons", publisher_failures_.summary());
  r.add("window_seconds", seconds, "s");
  r.add("delivered_mbps", bytes * 8 / seconds / 1e6, "Mbit/s");
  r.add_latency("latency", normal_.latency);
  if (!o_.play_rtmp.empty() || !o_.play_http.empty()) {
    const auto& targets = flv ? play_http_ : play_rtmp_;
    for (std::size_t t = 0; t < targets.size(); ++t) {
      int connected = 0;
      for (auto& v : viewers_) connected += v->target == t && v->ready && !v->failed;
      r.add(fmt::format("play_target{}", t), targets[t].host_port);
      r.add(fmt::format("viewers_connected_target{}", t), connected);
      r.add_latency(fmt::format("latency_target{}", t), target_latency_[t]);
    }
  }
  r.add_latency("latency_at_read", normal_.latency_at_read);
  r.add("latency_unmatched_messages", normal_.unmatched);
  r.add_latency("play_start", normal_.ready);
  r.add_latency("first_frame", normal_.ttff);
  r.add_latency("first_frame_all", normal_.ttff_all);
  r.add("first_frame_keyframe", normal_.first_key);
  r.add("first_frame_not_keyframe", normal_.first_not_key);
  if (slow_count > 0) {
    r.add("slow_viewers", slow_count);
    r.add("slow_viewers_mbps", slow_bytes * 8 / seconds / 1e6, "Mbit/s");
    r.add_latency("slow_latency", slow_.latency);
    r.add("slow_first_frame_keyframe", slow_.first_key);
    r.add("slow_first_frame_not_keyframe", slow_.first_not_key);
  }
  report_server(r, base, w0, w1, peak, bytes, static_cast<int>(viewers_.size()), "viewer");
  if (tcp0 && tcp1) {
    r.add("tcp_socket_memory_window_end_kb", *tcp1, "KiB");
    r.add("tcp_socket_memory_growth_in_window_kb",
          static_cast<std::int64_t>(*tcp1) - static_cast<std::int64_t>(*tcp0), "KiB");
  }
  if (sendq0 && sendq1) {
    r.add("server_send_queue_window_end_kb", *sendq1, "KiB");
    r.add("server_send_queue_growth_in_window_kb",
          static_cast<std::int64_t>(*sendq1) - static_cast<std::int64_t>(*sendq0), "KiB");
  }
  for (std::size_t i = 0; i < watch_.size(); ++i) {
    const auto& label = watch_[i].first;
    if (!watch0[i] || !watch1[i]) {
      r.add("cpu_seconds_" + label, "unavailable (process gone)");
      continue;
    }
    const double cpu = watch1[i]->cpu_seconds - watch0[i]->cpu_seconds;
    r.add("cpu_seconds_" + label, cpu, "s");
    r.add("cpu_percent_" + label, 100.0 * cpu / seconds, "%");
    if (watch_sched0[i] && watch_sched1[i])
      r.add("cpu_sched_seconds_" + label, *watch_sched1[i] - *watch_sched0[i], "s");
  }
  report_self(r, self0, self1, seconds);
  close_all();
}

awaitable<void> Runner::drive_signal() {
  auto& r = report_;
  r.add("scenario", "signal");
  r.add("target", o_.label.empty() ? "minirtc" : o_.label);
  const int n = o_.sessions;
  const int room_size = std::max(1, o_.room_size);
  r.add("sessions", n);
  r.add("rooms", (n + room_size - 1) / room_size);
  join_sent_ns_.assign(n, 0);
  leave_sent_ns_.assign(n, 0);
  auto index_of = [](std::string_view uid) -> int {
    int i = -1;
    if (uid.size() > 1 && uid[0] == 'u')
      std::from_chars(uid.data() + 1, uid.data() + uid.size(), i);
    return i;
  };
  const auto base = server_.sample();
  const auto self0 = sample_self();
  const auto ramp_start = now_ns();
  const double spacing_ns = n > 0 ? o_.ramp_seconds * 1e9 / n : 0;
  for (int i = 0; i < n; ++i) {
    const auto due = ramp_start + static_cast<std::int64_t>(spacing_ns * i);
    if (due > now_ns() + 1'000'000) co_await sleep_s(ns_to_ms(due - now_ns()) / 1000.0);
    const std::string room = fmt::format("{}room{}", run_tag_, i / room_size);
    const std::string user = fmt::format("u{}", i);
    SignalClient::Handlers h;
    h.on_notification = [this, index_of, i](std::string_view method, const json::object& params,
                                            std::int64_t now) {
      const auto* uid = params.if_contains("uid");
      if (!uid || !uid->is_string()) return;
      const int who = index_of(uid->get_string());
      if (who < 0 || static_cast<std::size_t>(who) >= join_sent_ns_.size()) return;
      // Only the event about a member who joined after this session: the peerOnline list a
      // joiner receives about earlier members is part of its join, not an event delivery.
      if (method == "peerOnline" && join_sent_ns_[who] > join_sent_ns_[i])
        online_delivery_.record(ns_to_ms(now - join_sent_ns_[who]));
      else if (method == "peerLeave" && leave_sent_ns_[who] > 0)
        leave_delivery_.record(ns_to_ms(now - leave_sent_ns_[who]));
    };
    h.on_closed = [this](const std::string& reason) { session_failures_.add(reason); };
    auto token = [&] {
      auth::AccessToken t;
      t.app_id = naming_.app_id;
      t.room_id = room;
      t.user_id = user;
      t.nonce = static_cast<std::uint32_t>(i + 1);
      t.issued_at = static_cast<std::uint32_t>(std::time(nullptr));
      t.expire_at = t.issued_at + 7200;
      t.add_privilege(auth::Privilege::PublishStream, 0);
      t.add_privilege(auth::Privilege::SubscribeStream, 0);
      return auth::encode_token(t, naming_.app_key);
    }();
    h.on_open = [this, i, room, user, token] {
      json::object p;
      p["appId"] = naming_.app_id;
      p["token"] = token;
      p["roomId"] = room;
      p["userId"] = user;
      join_sent_ns_[i] = now_ns();
      sessions_[i]->call(
          "join", std::move(p),
          [this](const json::value&, const json::object* err, std::int64_t rtt) {
            if (err) {
              const auto* m = err->if_contains("message");
              session_failures_.add("join: " +
                                    (m && m->is_string() ? std::string(m->get_string()) : "error"));
              return;
            }
            ++joined_;
            join_rtt_.record(ns_to_ms(rtt));
          });
    };
    sessions_.push_back(std::make_shared<SignalClient>(io_, http_ep_, o_.http, std::move(h)));
    sessions_.back()->start();
  }
  co_await sleep_s(o_.settle_seconds);
  // Idle: nothing but pings (one every 10 s keeps sessions inside their timeout).
  const auto idle0 = server_.sample();
  for (double left = o_.duration_seconds; left > 0; left -= 10.0) {
    for (auto& s : sessions_)
      if (s->open())
        s->call("ping", {}, [this](const json::value&, const json::object*, std::int64_t rtt) {
          ping_rtt_.record(ns_to_ms(rtt));
        });
    co_await sleep_s(std::min(10.0, left));
  }
  const auto idle1 = server_.sample();
  // Events: the first user of each room leaves; the others are told (peerLeave).
  for (int i = 0; i < n; i += room_size) {
    if (!sessions_[i]->open()) continue;
    leave_sent_ns_[i] = now_ns();
    sessions_[i]->call("leave", {}, [](const json::value&, const json::object*, std::int64_t) {});
    if (i % 64 == 0) co_await sleep_s(0.005);
  }
  co_await sleep_s(2);
  const auto self1 = sample_self();
  r.add("sessions_joined", joined_);
  r.add("sessions_failed", session_failures_.count);
  if (!session_failures_.reasons.empty())
    r.add("session_failure_reasons", session_failures_.summary());
  r.add_latency("join", join_rtt_);
  r.add_latency("event_peer_online", online_delivery_);
  r.add_latency("event_peer_leave", leave_delivery_);
  r.add_latency("ping", ping_rtt_);
  if (base && idle0 && idle1) {
    r.add("server_rss_before_kb", base->rss_kb, "KiB");
    r.add("server_rss_idle_kb", idle1->rss_kb, "KiB");
    r.add("server_rss_growth_while_idle_kb",
          static_cast<std::int64_t>(idle1->rss_kb) - static_cast<std::int64_t>(idle0->rss_kb),
          "KiB");
    r.add("server_cpu_seconds_idle", idle1->cpu_seconds - idle0->cpu_seconds, "s");
    if (joined_ > 0)
      r.add("server_kb_per_session",
            (static_cast<double>(idle1->rss_kb) - static_cast<double>(base->rss_kb)) / joined_,
            "KiB");
  } else {
    r.add("server_stats", "unavailable (no --server-pid)");
  }
  report_self(r, self0, self1, ns_to_ms(now_ns() - ramp_start) / 1000.0);
  close_all();
}

Result<Report> Runner::run() {
  auto rtmp = parse_endpoint(o_.rtmp);
  auto http = parse_endpoint(o_.http);
  if (!rtmp) return with_context(rtmp.error(), "--rtmp");
  if (!http) return with_context(http.error(), "--http");
  rtmp_ep_ = *rtmp;
  http_ep_ = *http;
  naming_.rtmp_host_port = o_.rtmp;
  auto targets = [](const std::vector<std::string>& named, const std::string& fallback,
                    std::vector<PlayTarget>& out) -> Status {
    for (const auto& hp : named.empty() ? std::vector<std::string>{fallback} : named) {
      auto ep = parse_endpoint(hp);
      if (!ep) return ep.error();  // the caller names the option
      out.push_back({*ep, hp});
    }
    return {};
  };
  if (auto st = targets(o_.play_rtmp, o_.rtmp, play_rtmp_); !st)
    return with_context(st.error(), "--play-rtmp");
  if (auto st = targets(o_.play_http, o_.http, play_http_); !st)
    return with_context(st.error(), "--play-http");
  target_latency_.resize(std::max(play_rtmp_.size(), play_http_.size()));
  for (const auto& w : o_.watch) {
    const auto eq = w.find('=');
    int pid = 0;
    if (eq != std::string::npos) std::from_chars(w.data() + eq + 1, w.data() + w.size(), pid);
    if (eq == std::string::npos || eq == 0 || pid <= 0)
      return make_error("--watch wants LABEL=PID, got " + w);
    if (!sample_process(pid)) return make_error("cannot read /proc of --watch " + w);
    watch_.emplace_back(w.substr(0, eq), pid);
  }
  if (!o_.app.empty()) {
    const auto colon = o_.app.find(':');
    if (colon == std::string::npos) return make_error("--app wants APPID:APPKEY");
    naming_.app_id = o_.app.substr(0, colon);
    naming_.app_key = o_.app.substr(colon + 1);
    if (!is_valid_app_id(naming_.app_id)) return make_error("bad appId in --app");
  }
  server_.pid = o_.server_pid;
  if (o_.server_pid > 0)
    if (auto cpu = pinned_cpu(o_.server_pid)) server_.softirq_pid = ksoftirqd_pid(*cpu).value_or(0);
  if (o_.server_pid > 0 && !server_.sample())
    return make_error("cannot read /proc of --server-pid");

  auto done = [this](std::exception_ptr e) {
    if (e) error_ = make_error("scenario aborted");
    io_.stop();
  };
  if (o_.scenario == "signal") {
    if (naming_.app_id.empty()) return make_error("the signal scenario needs --app");
    asio::co_spawn(io_, drive_signal(), done);
  } else if (o_.scenario == "fanout" || o_.scenario == "calls") {
    if (o_.flv_path.empty()) return make_error("--flv is required for media scenarios");
    auto clip = load_clip(o_.flv_path);
    if (!clip) return with_context(clip.error(), "--flv");
    clip_ = std::move(*clip);
    asio::co_spawn(io_, drive_media(), done);
  } else {
    return make_error("unknown scenario " + o_.scenario);
  }
  auto sample_work = asio::make_work_guard(sample_io_);
  sample_thread_ = std::thread([this] { sample_io_.run(); });
  io_.run();
  // No sample handler may run once the viewers it refers to start going away.
  sample_work.reset();
  sample_io_.stop();
  sample_thread_.join();
  if (error_) return *error_;
  return report_;
}

}  // namespace

Result<Report> run_scenario(const BenchOptions& options) {
  auto runner = std::make_unique<Runner>(options);
  return runner->run();
}

}  // namespace minirtc::bench
