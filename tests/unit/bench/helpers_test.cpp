// Pure helpers of the load generator: percentiles, chunked decoding, /proc parsing, send-time
// lookup and the looping media clip. The numbers they produce end up in bench/RESULTS.md.

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include <unistd.h>

#include <string>
#include <vector>

#include "bench/chunked_decoder.hpp"
#include "bench/latency_histogram.hpp"
#include "bench/media_clip.hpp"
#include "bench/proc_stats.hpp"
#include "bench/send_log.hpp"
#include "flv/tag.hpp"

namespace minirtc::bench {
namespace {

std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

TEST(LatencyHistogram, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0.0);
  EXPECT_EQ(h.max(), 0.0);
}

TEST(LatencyHistogram, PercentilesOfOneToHundred) {
  LatencyHistogram h;
  for (int i = 1; i <= 100; ++i) h.record(i);
  EXPECT_EQ(h.count(), 100u);
  // Rank ceil(0.5 * 100) = 50 -> the sample 50 ms, reported as its bucket's upper edge.
  EXPECT_NEAR(h.percentile(0.50), 50.0, LatencyHistogram::kBucketMs + 1e-9);
  EXPECT_NEAR(h.percentile(0.99), 99.0, LatencyHistogram::kBucketMs + 1e-9);
  EXPECT_DOUBLE_EQ(h.percentile(1.0), 100.0);
  EXPECT_DOUBLE_EQ(h.max(), 100.0);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogram, P99SeesTheTail) {
  LatencyHistogram h;
  for (int i = 0; i < 990; ++i) h.record(1.0);
  for (int i = 0; i < 10; ++i) h.record(200.0);
  EXPECT_LE(h.percentile(0.99), 1.0 + LatencyHistogram::kBucketMs);
  h.record(200.0);  // now 11 of 1001 samples are slow: p99 lands in the tail
  EXPECT_NEAR(h.percentile(0.99), 200.0, LatencyHistogram::kBucketMs + 1e-9);
}

TEST(LatencyHistogram, ClampsNegativeAndHuge) {
  LatencyHistogram h;
  h.record(-3.0);
  h.record(1e9);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.percentile(0.0), LatencyHistogram::kBucketMs);  // 0 ms lands in the first bucket
  EXPECT_DOUBLE_EQ(h.percentile(1.0), 1e9);                   // exact max, not the last edge
}

TEST(LatencyHistogram, MergeAndClear) {
  LatencyHistogram a, b;
  a.record(10);
  b.record(30);
  b.record(20);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_DOUBLE_EQ(a.max(), 30.0);
  EXPECT_NEAR(a.percentile(0.5), 20.0, LatencyHistogram::kBucketMs + 1e-9);
  a.clear();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.percentile(0.99), 0.0);
}

std::string decode_all(const std::string& wire, std::size_t step, bool* ok = nullptr) {
  ChunkedDecoder d;
  std::vector<std::uint8_t> out;
  bool good = true;
  for (std::size_t i = 0; i < wire.size() && good; i += step)
    good = d.feed(bytes(wire.substr(i, step)), out).ok();
  if (ok) *ok = good;
  return std::string(out.begin(), out.end());
}

TEST(ChunkedDecoder, DecodesWhateverTheSplit) {
  const std::string wire = "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n";
  for (std::size_t step : {1u, 2u, 3u, 7u, 100u}) {
    bool ok = false;
    EXPECT_EQ(decode_all(wire, step, &ok), "Wikipedia in\r\n\r\nchunks.") << step;
    EXPECT_TRUE(ok);
  }
  ChunkedDecoder d;
  std::vector<std::uint8_t> out;
  ASSERT_TRUE(d.feed(bytes(wire), out).ok());
  EXPECT_TRUE(d.finished());
}

TEST(ChunkedDecoder, UpperCaseHexAndBareLf) {
  EXPECT_EQ(decode_all("A\n0123456789\r\n0\n", 1), "0123456789");
}

TEST(ChunkedDecoder, RejectsBadInput) {
  for (const std::string& bad :
       std::vector<std::string>{"zz\r\n", "\r\n", "4\r\nabcdX", "4\r\nabcd\rX", "4x\r\nabcd\r\n",
                                "FFFFFFFFFFF\r\n", std::string(300, '1')}) {
    ChunkedDecoder d;
    std::vector<std::uint8_t> out;
    EXPECT_FALSE(d.feed(bytes(bad), out).ok()) << bad.substr(0, 20);
    EXPECT_FALSE(d.feed(bytes("0\r\n"), out).ok());  // stays failed
  }
}

TEST(ProcStats, ParsesStatWithAwkwardName) {
  // Field 2 may hold spaces and ')': count from the last ')'.
  const std::string stat =
      "1234 (min rtc) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 3 0 100 1000 200";
  auto t = parse_stat_times(stat);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->first, 250u);
  EXPECT_EQ(t->second, 75u);
  EXPECT_FALSE(parse_stat_times("1234 (x) S 1 2 3"));
  EXPECT_FALSE(parse_stat_times("no paren"));
}

TEST(ProcStats, ParsesSchedstat) {
  EXPECT_EQ(parse_schedstat_ns("699140737 1797998895 4978\n"), 699140737u);
  EXPECT_EQ(parse_schedstat_ns("52449 0 1"), 52449u);
  EXPECT_FALSE(parse_schedstat_ns("x 1 2"));
  EXPECT_FALSE(parse_schedstat_ns("12a 1 2"));
  EXPECT_FALSE(parse_schedstat_ns(""));
}

TEST(ProcStats, SchedCpuSecondsOfThisProcess) {
  // This process's scheduler time grows with work. The kernel brings a running thread's account
  // up to date only at a tick or a context switch, so a process reading its own may see what it
  // had at the last one (0 for a process just started on this tickless VM: seen in CI): the
  // sleep after the work is a switch.
  auto t0 = sched_cpu_seconds(static_cast<int>(getpid()));
  ASSERT_TRUE(t0);
  EXPECT_GE(*t0, 0.0);
  volatile std::uint64_t x = 0;
  for (std::uint64_t i = 0; i < 50'000'000; ++i) x = x + i;
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  auto t1 = sched_cpu_seconds(static_cast<int>(getpid()));
  ASSERT_TRUE(t1);
  EXPECT_GT(*t1, *t0);
  EXPECT_FALSE(sched_cpu_seconds(-1));
}

TEST(ProcStats, ParsesStatusKb) {
  const std::string status =
      "Name:\tminirtc\nVmHWM:\t   52000 kB\nVmRSS:\t   51234 kB\nThreads:\t3\n";
  EXPECT_EQ(parse_status_kb(status, "VmRSS"), 51234u);
  EXPECT_EQ(parse_status_kb(status, "VmHWM"), 52000u);
  EXPECT_FALSE(parse_status_kb(status, "VmSwap"));
  EXPECT_FALSE(parse_status_kb(status, "Vm"));  // a prefix is not a name
}

TEST(ProcStats, ParsesSockstatTcpMemory) {
  const std::string sockstat =
      "sockets: used 6140\nTCP: inuse 6005 orphan 0 tw 2683 alloc 6005 mem 31906\n"
      "UDP: inuse 2 mem 4\nUDPLITE: inuse 0\n";
  EXPECT_EQ(parse_sockstat_tcp_mem_pages(sockstat), 31906u);
  EXPECT_FALSE(parse_sockstat_tcp_mem_pages("sockets: used 1\nUDP: inuse 2 mem 4\n"));
  EXPECT_FALSE(parse_sockstat_tcp_mem_pages("TCP: inuse 1 orphan 0\n"));
  EXPECT_TRUE(tcp_socket_memory_kb());  // this machine's, read for real
}

TEST(ProcStats, SumsTheSendQueuesOfTheServersPorts) {
  // Port 0x0CEA = 3306 is the server's: its listener, then two accepted connections (one with
  // 0x1F40 = 8000 bytes queued); the third row is a client of it (local port 0x9C41), whose
  // queue is not the server's. tcp6 rows have longer addresses, same columns.
  const std::string table =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
      "inode\n"
      "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
      "1 1 0 100 0 0 10 0\n"
      "   1: 0100007F:0CEA 0100007F:9C41 01 00001F40:00000000 01:00000014 00000000     0        0 "
      "2 1 0 20 4 30 10 -1\n"
      "   2: 0100007F:9C41 0100007F:0CEA 01 00010000:00000200 00:00000000 00000000     0        0 "
      "3 1 0 20 4 30 10 -1\n"
      "   3: 0100007F:0CEA 0100007F:9C42 01 00000010:00000000 00:00000000 00000000     0        0 "
      "4 1 0 20 4 30 10 -1\n";
  const std::uint16_t server[] = {3306};
  EXPECT_EQ(parse_proc_net_tcp_send_queue(table, server), 0x1F40u + 0x10u);
  const std::uint16_t both[] = {3306, 0x9C41};
  EXPECT_EQ(parse_proc_net_tcp_send_queue(table, both), 0x1F40u + 0x10u + 0x10000u);
  const std::uint16_t none[] = {1};
  EXPECT_EQ(parse_proc_net_tcp_send_queue(table, none), 0u);
  const std::string v6 =
      "  sl  local_address                         remote_address                        st "
      "tx_queue rx_queue\n"
      "   0: 0000000000000000FFFF00000100007F:0CEA 0000000000000000FFFF00000100007F:9C41 01 "
      "00000100:00000000 00:00000000 00000000\n";
  EXPECT_EQ(parse_proc_net_tcp_send_queue(v6, server), 0x100u);
  EXPECT_FALSE(parse_proc_net_tcp_send_queue("header\n   0: garbage\n", server));
  EXPECT_FALSE(parse_proc_net_tcp_send_queue("header\n   0: 0100007F:0CEA 0:0 01 zz:00\n", server));
  EXPECT_TRUE(server_send_queue_kb(server));  // this machine's tables, read for real
}

TEST(ProcStats, SamplesThisProcess) {
  auto s = sample_process(static_cast<int>(getpid()));
  ASSERT_TRUE(s);
  EXPECT_GT(s->rss_kb, 0u);
  EXPECT_GE(s->hwm_kb, s->rss_kb);
  EXPECT_FALSE(sample_process(-1));
}

TEST(SendLog, FindsExactTimestampsPerTrack) {
  SendLog log;
  log.record(1, 0, 100);
  log.record(0, 0, 101);
  log.record(1, 40, 140);
  log.record(0, 23, 123);
  EXPECT_EQ(log.find(1, 40), 140);
  EXPECT_EQ(log.find(0, 0), 101);
  EXPECT_EQ(log.find(1, 0), 100);
  EXPECT_FALSE(log.find(1, 23));  // audio's timestamp, not video's
  EXPECT_FALSE(log.find(0, 41));
}

TEST(SendLog, ForgetsBeyondTheHorizon) {
  SendLog log;
  log.record(1, 0, 1);
  log.record(1, SendLog::kHorizonMs + 1, 2);
  EXPECT_FALSE(log.find(1, 0));
  EXPECT_EQ(log.find(1, SendLog::kHorizonMs + 1), 2);
}

std::vector<std::uint8_t> tiny_flv() {
  auto h = flv::file_header(true, true);
  std::vector<std::uint8_t> f(h.begin(), h.end());
  const std::uint8_t meta[] = {0x02, 0x00, 0x02, 'o', 'n', 0x05};
  const std::uint8_t avc_seq[] = {0x17, 0x00, 0, 0, 0, 1, 2, 3};
  const std::uint8_t aac_seq[] = {0xAF, 0x00, 0x12, 0x10};
  const std::uint8_t key[] = {0x17, 0x01, 0, 0, 0, 9, 9};
  const std::uint8_t inter[] = {0x27, 0x01, 0, 0, 0, 8};
  const std::uint8_t aac[] = {0xAF, 0x01, 7, 7, 7};
  flv::write_tag(flv::TagType::Script, 1000, meta, f);
  flv::write_tag(flv::TagType::Video, 1000, avc_seq, f);
  flv::write_tag(flv::TagType::Audio, 1000, aac_seq, f);
  flv::write_tag(flv::TagType::Video, 1000, key, f);
  flv::write_tag(flv::TagType::Audio, 1023, aac, f);
  flv::write_tag(flv::TagType::Video, 1040, inter, f);
  return f;
}

TEST(MediaClip, ParsesAndRebasesToZero) {
  auto clip = parse_clip(tiny_flv());
  ASSERT_TRUE(clip) << clip.error().reason;
  ASSERT_EQ(clip->tags.size(), 6u);
  EXPECT_TRUE(clip->tags[0].header);
  EXPECT_TRUE(clip->tags[1].header);
  EXPECT_TRUE(clip->tags[2].header);
  EXPECT_TRUE(clip->tags[3].keyframe);
  EXPECT_FALSE(clip->tags[5].keyframe);
  EXPECT_EQ(clip->tags[3].tag.timestamp, 0u);
  EXPECT_EQ(clip->tags[5].tag.timestamp, 40u);
  EXPECT_EQ(clip->duration_ms, 80u);
  EXPECT_EQ(clip->media_bytes, 7u + 5u + 6u);
  EXPECT_DOUBLE_EQ(clip->bitrate_bps(), 18 * 8000.0 / 80);
}

TEST(MediaClip, CursorLoopsWithoutHeadersAndGrowingTimestamps) {
  auto clip = parse_clip(tiny_flv());
  ASSERT_TRUE(clip);
  ClipCursor c(*clip);
  std::vector<std::uint32_t> ts;
  std::vector<bool> headers;
  for (int i = 0; i < 9; ++i) {
    ts.push_back(c.timestamp());
    headers.push_back(c.tag().header);
    c.advance();
  }
  EXPECT_EQ(ts, (std::vector<std::uint32_t>{0, 0, 0, 0, 23, 40, 80, 103, 120}));
  EXPECT_EQ(headers,
            (std::vector<bool>{true, true, true, false, false, false, false, false, false}));
  EXPECT_EQ(c.pass(), 2u);
}

TEST(MediaClip, RejectsNonFlvAndHeaderOnly) {
  EXPECT_FALSE(parse_clip(bytes("not an flv file at all")));
  auto h = flv::file_header(true, true);
  std::vector<std::uint8_t> f(h.begin(), h.end());
  const std::uint8_t aac_seq[] = {0xAF, 0x00, 0x12, 0x10};
  flv::write_tag(flv::TagType::Audio, 0, aac_seq, f);
  EXPECT_FALSE(parse_clip(f));
}

}  // namespace
}  // namespace minirtc::bench
