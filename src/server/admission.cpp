#include "server/admission.hpp"

namespace minirtc::server {

std::string_view door_name(Door door) noexcept {
  switch (door) {
    case Door::Rtmp:
      return "rtmp";
    case Door::Http:
      return "http";
    case Door::Flv:
      return "flv";
  }
  return "?";
}

std::string_view verdict_name(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::Admit:
      return "admitted";
    case Verdict::AdmitEvictingOldest:
      return "evicting";
    case Verdict::RefuseDoorFull:
      return "door_full";
    case Verdict::RefusePerIp:
      return "per_ip";
  }
  return "?";
}

Verdict admit(const DoorLimits& limits, const DoorCounts& counts, bool authenticated) noexcept {
  if (!authenticated && limits.unauthenticated_per_ip > 0 &&
      counts.unauthenticated_from_ip >= limits.unauthenticated_per_ip)
    return Verdict::RefusePerIp;
  const std::uint64_t total =
      static_cast<std::uint64_t>(counts.authenticated) + counts.unauthenticated;
  const std::uint32_t strangers_share =
      limits.reserved < limits.max_connections ? limits.max_connections - limits.reserved : 0;
  const bool room = total < limits.max_connections;
  if (room && (authenticated || counts.unauthenticated < strangers_share)) return Verdict::Admit;
  if (counts.unauthenticated > 0) return Verdict::AdmitEvictingOldest;
  return Verdict::RefuseDoorFull;
}

}  // namespace minirtc::server
