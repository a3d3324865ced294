#include "server/metrics.hpp"

#include <fmt/format.h>

namespace minirtc::server {

void Histogram::write(std::string& out, const std::string& name, const std::string& help) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  for (std::size_t i = 0; i < kBounds.size(); ++i)
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, kBounds[i], buckets_[i]);
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, count_, name,
                     sum_, name, count_);
}

void write_ingest_budget(std::string& out, const IngestBudget& budget) {
  out += fmt::format(
      "# HELP minirtc_rtmp_buffered_bytes Bytes RTMP connections hold in incomplete messages\n"
      "# TYPE minirtc_rtmp_buffered_bytes gauge\n"
      "minirtc_rtmp_buffered_bytes{{holder=\"unauthorized\"}} {}\n"
      "minirtc_rtmp_buffered_bytes{{holder=\"publisher\"}} {}\n"
      "# HELP minirtc_rtmp_buffer_budget_bytes media.ingest_budget_bytes (a quarter of it for "
      "unauthorized connections)\n"
      "# TYPE minirtc_rtmp_buffer_budget_bytes gauge\n"
      "minirtc_rtmp_buffer_budget_bytes {}\n",
      budget.used_by(IngestBudget::Holder::Unauthorized),
      budget.used_by(IngestBudget::Holder::Publisher), budget.limit());
}

}  // namespace minirtc::server
