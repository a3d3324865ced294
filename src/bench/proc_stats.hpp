#pragma once
// CPU time and memory of a process from /proc (Linux), and of the load generator itself.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace minirtc::bench {

struct ProcSample {
  double cpu_seconds = 0;      // utime + stime of every thread
  double softirq_seconds = 0;  // the pinned core's ksoftirqd (ServerWatch fills it in)
  std::uint64_t rss_kb = 0;    // VmRSS
  std::uint64_t hwm_kb = 0;    // VmHWM: peak RSS over the process's life
};

/// nullopt when the process does not exist or /proc is unreadable.
std::optional<ProcSample> sample_process(int pid);

/// Time on CPU of every live thread of a process, in seconds, from the scheduler's own account
/// (/proc/PID/task/*/schedstat, nanoseconds): fine enough for a process that uses a few hundredths
/// of a second in a window, where utime+stime (clock ticks, 10 ms) cannot tell 0.05 s from 0.06 s.
/// A thread that ended takes its time with it. nullopt without /proc or schedstat.
std::optional<double> sched_cpu_seconds(int pid);

/// The CPU a process may run on, when it is pinned to exactly one (taskset -c N).
std::optional<int> pinned_cpu(int pid);
/// The PID of ksoftirqd/<cpu>, the kernel thread that finishes network receive work a busy CPU
/// put off. On loopback a sender's CPU also does the receiving side's work; when a process sends
/// in long bursts, part of that lands in this thread, outside the process's own CPU time.
std::optional<int> ksoftirqd_pid(int cpu);
/// This process (via getrusage and /proc/self).
ProcSample sample_self();
/// Memory of every TCP socket on the machine, KiB: socket buffers live in the kernel, outside any
/// process's RSS, so a server whose send queues grow shows it here and not there. On loopback
/// this counts both ends (the server's send queues and the load generator's receive queues).
std::optional<std::uint64_t> tcp_socket_memory_kb();
/// Bytes in the send queues (sent but unacknowledged, plus not yet sent) of every TCP socket whose
/// local port is one of `ports`, KiB: on loopback with the server on those ports, exactly the
/// server's side of its connections, which tcp_socket_memory_kb() mixes with the load generator's
/// receive queues (those grow whenever the load generator reads late, whatever the server does).
std::optional<std::uint64_t> server_send_queue_kb(std::span<const std::uint16_t> ports);

/// Parses the contents of /proc/<pid>/stat: utime and stime (fields 14 and 15) in clock ticks.
/// The command name (field 2) may contain spaces and parentheses, so fields are counted from the
/// last ')'.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_stat_times(std::string_view stat);
/// The first field of /proc/<pid>/task/<tid>/schedstat: nanoseconds the thread ran on a CPU.
std::optional<std::uint64_t> parse_schedstat_ns(std::string_view schedstat);
/// The "mem" field (in pages) of the "TCP:" line of /proc/net/sockstat.
std::optional<std::uint64_t> parse_sockstat_tcp_mem_pages(std::string_view sockstat);
/// The sum of the tx_queue column of a /proc/net/tcp or /proc/net/tcp6 table over the rows whose
/// local port is in `ports`; nullopt if a row does not parse.
std::optional<std::uint64_t> parse_proc_net_tcp_send_queue(std::string_view table,
                                                           std::span<const std::uint16_t> ports);
/// The value in kB of a "Name:  123 kB" line of /proc/<pid>/status.
std::optional<std::uint64_t> parse_status_kb(std::string_view status, std::string_view name);

}  // namespace minirtc::bench
