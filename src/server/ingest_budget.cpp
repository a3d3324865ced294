#include "server/ingest_budget.hpp"

namespace minirtc::server {

bool IngestBudget::update(Account& account, Holder holder, std::uint64_t bytes) noexcept {
  const bool grew = bytes > account.bytes;  // changing kind alone moves bytes, adds none
  used_[index(account.holder)] -= account.bytes;
  used_[index(holder)] += bytes;
  account = {holder, bytes};
  if (!grew) return true;
  return used_by(holder) <= share(holder) && used() <= limit_;
}

void IngestBudget::release(Account& account) noexcept {
  used_[index(account.holder)] -= account.bytes;
  account.bytes = 0;
}

bool IngestBudget::admits(std::uint64_t allowance) const noexcept {
  return used_by(Holder::Unauthorized) + allowance <= unauthorized_limit() &&
         used() + allowance <= limit_;
}

}  // namespace minirtc::server
