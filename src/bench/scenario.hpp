#pragma once
// The scenarios of `minirtc bench` (issue 5): fan-out, calls, slow viewers, signalling. Each
// runs every client on one io_context in the calling thread and returns a Report.
//
// Fan-out through a cluster's relay (bench/cluster.mjs, part relay): the publisher pushes to
// `rtmp` while the viewers play from other nodes (`play_rtmp` / `play_http`, spread evenly, the
// latency sample too), in a room named by `room` so the caller can hold that room on the
// publisher's node (a room is in the cluster's directory, where an edge finds its origin, only
// while it has a member). `watch` adds the CPU of other processes over the same window.

#include <string>
#include <vector>

#include "bench/report.hpp"
#include "util/result.hpp"

namespace minirtc::bench {

struct BenchOptions {
  std::string scenario = "fanout";  // fanout | calls | signal (slow = fanout with slow_fraction)
  std::string proto = "rtmp";       // fan-out viewers: rtmp | flv
  std::string rtmp = "127.0.0.1:1935";
  std::string http = "127.0.0.1:8080";
  /// "APPID:APPKEY": sign URLs and tokens for MiniRTC. Empty: plain URLs live/<room>_<user>
  /// (nginx-rtmp).
  std::string app;
  std::string flv_path;  // media the publishers send
  int viewers = 3000;
  double slow_fraction = 0;   // share of fan-out viewers that read slowly
  double slow_factor = 0.25;  // their read rate, as a fraction of the stream's bitrate
  int stamp_every = 10;       // every Nth viewer takes kernel arrival stamps (latency sample)
  int rooms = 100;
  int room_size = 4;
  int sessions = 5000;
  double ramp_seconds = 10;
  double settle_seconds = 3;
  double duration_seconds = 20;
  int server_pid = 0;  // 0: no server CPU/memory figures
  std::string label;
  /// Fan-out: the room of the stream (empty: a fresh name per run).
  std::string room;
  /// Fan-out and slow viewers: HOST:PORT of the nodes the viewers play from (viewer i from
  /// entry i % size); empty: `rtmp` / `http`, the publisher's server.
  std::vector<std::string> play_rtmp, play_http;
  /// "LABEL=PID": processes whose CPU seconds over the window are reported (cpu_seconds_LABEL).
  std::vector<std::string> watch;
};

Result<Report> run_scenario(const BenchOptions& options);

}  // namespace minirtc::bench
