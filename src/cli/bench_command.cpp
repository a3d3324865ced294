// `minirtc bench`: the load generator. One scenario per run against one server (MiniRTC with
// signed URLs when --app is given, or any RTMP server with plain URLs, e.g. nginx-rtmp); prints
// a table and optionally writes JSON. bench/run.sh drives the full comparison. --play-rtmp /
// --play-http point the viewers at other nodes than the publisher's (a cluster's edges:
// bench/cluster.mjs, part relay).

#include <fstream>
#include <iostream>
#include <memory>

#include <boost/json.hpp>

#include "bench/scenario.hpp"
#include "cli/commands.hpp"

namespace minirtc::cli {

namespace {
struct BenchCliOptions {
  bench::BenchOptions bench;
  std::string json_out;
};

void run_bench(const BenchCliOptions& o) {
  auto report = bench::run_scenario(o.bench);
  if (!report) throw std::runtime_error(report.error().reason);
  std::cout << report->table() << std::flush;
  if (!o.json_out.empty()) {
    std::ofstream out(o.json_out);
    if (!out) throw std::runtime_error("cannot write " + o.json_out);
    out << boost::json::serialize(report->to_json()) << "\n";
  }
}
}  // namespace

void register_bench_command(CLI::App& root) {
  auto o = std::make_shared<BenchCliOptions>();
  auto& b = o->bench;
  auto* cmd =
      root.add_subcommand("bench", "load generator: fan-out, calls, slow viewers, signalling");
  cmd->add_option("--scenario", b.scenario,
                  "fanout, calls or signal (slow viewers: fanout with --slow-fraction)")
      ->check(CLI::IsMember({"fanout", "calls", "signal"}));
  cmd->add_option("--proto", b.proto, "fan-out viewers: rtmp or flv")
      ->check(CLI::IsMember({"rtmp", "flv"}));
  cmd->add_option("--rtmp", b.rtmp, "server RTMP HOST:PORT (default 127.0.0.1:1935)");
  cmd->add_option("--http", b.http, "server HTTP HOST:PORT (default 127.0.0.1:8080)");
  cmd->add_option(
      "--app", b.app,
      "APPID:APPKEY to sign URLs and tokens (MiniRTC); omit for plain URLs (nginx-rtmp)");
  cmd->add_option("--flv", b.flv_path,
                  "FLV file the publishers send, paced in real time and looped");
  cmd->add_option("--viewers", b.viewers, "fan-out viewers (default 3000)");
  cmd->add_option("--slow-fraction", b.slow_fraction,
                  "share of fan-out viewers that read slowly (default 0)");
  cmd->add_option("--slow-factor", b.slow_factor,
                  "slow viewers' read rate / stream bitrate (default 0.25)");
  cmd->add_option("--stamp-every", b.stamp_every,
                  "every Nth viewer measures latency with kernel receive stamps (default 10; "
                  "0: latency from read times only)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--rooms", b.rooms, "calls: rooms (default 100)");
  cmd->add_option("--room-size", b.room_size, "calls and signal: users per room (default 4)");
  cmd->add_option("--sessions", b.sessions, "signal: sessions (default 5000)");
  cmd->add_option("--ramp", b.ramp_seconds,
                  "seconds over which viewers/sessions are added (default 10)");
  cmd->add_option("--settle", b.settle_seconds,
                  "seconds between the ramp and the window (default 3)");
  cmd->add_option("--duration", b.duration_seconds, "measurement window, seconds (default 20)");
  cmd->add_option("--server-pid", b.server_pid, "PID of the server, for its CPU and memory");
  cmd->add_option("--label", b.label,
                  "name of the target in the report (e.g. minirtc, nginx-rtmp)");
  cmd->add_option("--json", o->json_out, "also write the report as JSON to this file");
  cmd->add_option("--room", b.room, "fanout: the stream's room (default: a fresh name per run)");
  cmd->add_option("--play-rtmp", b.play_rtmp,
                  "fanout: HOST:PORT of the nodes RTMP viewers play from, viewer i from entry "
                  "i % count, with per-node latency (default: --rtmp, the publisher's server)")
      ->delimiter(',');
  cmd->add_option("--play-http", b.play_http,
                  "fanout: the same for HTTP-FLV viewers (default: --http)")
      ->delimiter(',');
  cmd->add_option("--watch", b.watch,
                  "LABEL=PID: also report that process's CPU over the window (repeatable)");
  cmd->callback([o] { run_bench(*o); });
}

}  // namespace minirtc::cli
