#include "bench/proc_stats.hpp"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace minirtc::bench {

namespace {
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The number at the start of `s`, in `base`; `whole` also requires nothing after it.
std::optional<std::uint64_t> to_u64(std::string_view s, int base = 10, bool whole = false) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p == s.data() || (whole && p != s.data() + s.size()))
    return std::nullopt;
  return v;
}

/// The next line of `text` from `pos` (without its '\n'), advancing `pos`; nullopt at the end.
std::optional<std::string_view> next_line(std::string_view text, std::size_t& pos) {
  if (pos >= text.size()) return std::nullopt;
  auto end = text.find('\n', pos);
  if (end == std::string_view::npos) end = text.size();
  const auto line = text.substr(pos, end - pos);
  pos = end + 1;
  return line;
}

/// The next space-separated field of `line`, removed from it; empty when none is left.
std::string_view next_field(std::string_view& line) {
  const auto start = line.find_first_not_of(' ');
  if (start == std::string_view::npos) return {};
  line.remove_prefix(start);
  const auto field = line.substr(0, line.find(' '));
  line.remove_prefix(field.size());
  return field;
}
}  // namespace

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_stat_times(std::string_view stat) {
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);
  // After ')' come fields 3 (state) onward; utime is field 14, i.e. the 12th after ')'.
  std::uint64_t utime = 0, stime = 0;
  int field = 2;
  while (field < 15) {
    const auto value = next_field(rest);
    if (value.empty()) break;
    ++field;
    if (field == 14 || field == 15) {
      auto v = to_u64(value);
      if (!v) return std::nullopt;
      (field == 14 ? utime : stime) = *v;
    }
  }
  if (field < 15) return std::nullopt;
  return std::make_pair(utime, stime);
}

std::optional<std::uint64_t> parse_status_kb(std::string_view status, std::string_view name) {
  std::size_t pos = 0;
  while (const auto next = next_line(status, pos)) {
    const std::string_view line = *next;
    if (line.size() > name.size() && line.substr(0, name.size()) == name &&
        line[name.size()] == ':') {
      std::string_view v = line.substr(name.size() + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      auto sp = v.find(' ');
      return to_u64(v.substr(0, sp));
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_sockstat_tcp_mem_pages(std::string_view sockstat) {
  std::size_t pos = 0;
  while (const auto next = next_line(sockstat, pos)) {
    const std::string_view line = *next;
    if (line.substr(0, 4) == "TCP:") {
      const auto at = line.find(" mem ");
      if (at == std::string_view::npos) return std::nullopt;
      auto v = line.substr(at + 5);
      return to_u64(v.substr(0, v.find(' ')));
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> tcp_socket_memory_kb() {
  auto sockstat = read_file("/proc/net/sockstat");
  if (!sockstat) return std::nullopt;
  auto pages = parse_sockstat_tcp_mem_pages(*sockstat);
  if (!pages) return std::nullopt;
  return *pages * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) / 1024;
}

std::optional<std::uint64_t> parse_proc_net_tcp_send_queue(std::string_view table,
                                                           std::span<const std::uint16_t> ports) {
  // "  sl  local_address rem_address   st tx_queue rx_queue ..." then one row per socket:
  // "   0: 0100007F:0CEA 0100007F:9C41 01 00000000:00000000 ...", numbers in hex.
  std::uint64_t total = 0;
  std::size_t pos = 0;
  next_line(table, pos);  // the header
  while (auto next = next_line(table, pos)) {
    std::string_view line = *next;
    if (line.find_first_not_of(' ') == std::string_view::npos) continue;
    next_field(line);  // "sl:"
    const auto local = next_field(line);
    next_field(line);  // remote address
    next_field(line);  // state
    const auto queues = next_field(line);
    const auto colon = local.rfind(':'), qcolon = queues.find(':');
    if (colon == std::string_view::npos || qcolon == std::string_view::npos) return std::nullopt;
    const auto port = to_u64(local.substr(colon + 1), 16, true);
    const auto tx = to_u64(queues.substr(0, qcolon), 16, true);
    if (!port || !tx) return std::nullopt;
    for (auto p : ports)
      if (p == *port) total += *tx;
  }
  return total;
}

std::optional<std::uint64_t> server_send_queue_kb(std::span<const std::uint16_t> ports) {
  std::uint64_t bytes = 0;
  bool any = false;
  for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    auto table = read_file(path);
    if (!table) continue;
    auto sum = parse_proc_net_tcp_send_queue(*table, ports);
    if (!sum) return std::nullopt;
    bytes += *sum;
    any = true;
  }
  if (!any) return std::nullopt;
  return bytes / 1024;
}

std::optional<ProcSample> sample_process(int pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  auto stat = read_file(base + "/stat");
  auto status = read_file(base + "/status");
  if (!stat || !status) return std::nullopt;
  auto times = parse_stat_times(*stat);
  if (!times) return std::nullopt;
  ProcSample s;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.cpu_seconds = static_cast<double>(times->first + times->second) / ticks;
  s.rss_kb = parse_status_kb(*status, "VmRSS").value_or(0);
  s.hwm_kb = parse_status_kb(*status, "VmHWM").value_or(0);
  return s;
}

std::optional<std::uint64_t> parse_schedstat_ns(std::string_view schedstat) {
  const auto space = schedstat.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  return to_u64(schedstat.substr(0, space), 10, true);
}

std::optional<double> sched_cpu_seconds(int pid) {
  std::error_code ec;
  std::uint64_t ns = 0;
  bool any = false;
  const auto dir = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    auto text = read_file(entry.path().string() + "/schedstat");
    if (!text) continue;  // the thread ended meanwhile
    auto v = parse_schedstat_ns(*text);
    if (!v) return std::nullopt;
    ns += *v;
    any = true;
  }
  if (ec || !any) return std::nullopt;
  return static_cast<double>(ns) / 1e9;
}

std::optional<int> pinned_cpu(int pid) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(pid, sizeof set, &set) != 0 || CPU_COUNT(&set) != 1) return std::nullopt;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) return cpu;
  return std::nullopt;
}

std::optional<int> ksoftirqd_pid(int cpu) {
  const std::string want = "ksoftirqd/" + std::to_string(cpu) + "\n";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (read_file(entry.path().string() + "/comm") == want) return std::stoi(name);
  }
  return std::nullopt;
}

ProcSample sample_self() {
  ProcSample s;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  s.cpu_seconds = secs(ru.ru_utime) + secs(ru.ru_stime);
  if (auto status = read_file("/proc/self/status")) {
    s.rss_kb = parse_status_kb(*status, "VmRSS").value_or(0);
    s.hwm_kb = parse_status_kb(*status, "VmHWM").value_or(0);
  }
  return s;
}

}  // namespace minirtc::bench
