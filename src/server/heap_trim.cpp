#include "server/heap_trim.hpp"

#include <malloc.h>

#include <algorithm>

namespace minirtc::server {

bool HeapTrimmer::tick() {
  const auto info = mallinfo2();
  const std::uint64_t free_bytes = info.fordblks;
  if (!sampled_) {
    sampled_ = true;
    floor_ = free_bytes;
    return false;
  }
  if (!should_trim(free_bytes, floor_)) {
    floor_ = std::min(floor_, free_bytes);
    return false;
  }
  malloc_trim(0);
  ++trims_;
  floor_ = free_bytes;  // the pages went back, but malloc still counts them free
  return true;
}

}  // namespace minirtc::server
