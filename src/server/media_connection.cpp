#include "server/media_connection.hpp"

#include <cerrno>

#include <sys/uio.h>

namespace minirtc::server {

namespace {
constexpr std::size_t kMaxPacketsPerWrite = 256;
/// A write's iovecs: the packets' wire pieces plus the transport's framing (HTTP chunk head and
/// tail, or a WebSocket header) must stay within what one sendmsg accepts.
constexpr std::size_t kFramingPieces = 2;
constexpr std::size_t kMaxPiecesPerWrite = IOV_MAX - kFramingPieces;
static_assert(media::kMaxPiecesPerPacket <= kMaxPiecesPerWrite,
              "the largest packet must fit in one write");
/// What a connection keeps of its write vectors between writes. A live write holds a few packets
/// (one video frame and its audio); a new viewer's first write holds the whole GOP cache, and
/// keeping that capacity would cost every viewer several KiB for the rest of its life.
constexpr std::size_t kKeptPackets = 32;
constexpr std::size_t kKeptPieces = 64;

template <class T>
void release_if_large(std::vector<T>& v, std::size_t keep) {
  if (v.capacity() > keep)
    std::vector<T>().swap(v);
  else
    v.clear();
}
}  // namespace

void MediaConnection::deliver(const media::PacketPtr& packet) {
  queue_.push(packet);
  if (writing_ || queue_.empty()) return;
  // A relay downstream's packets are merged again on the edge (flush_scheduler.hpp)
  if (FlushScheduler::merges(relay_downstream()))
    flusher_.schedule(shared_from_this());
  else
    flusher_.schedule_now(shared_from_this());
}

void MediaConnection::deliver_backlog(const media::PacketPtr& packet) {
  queue_.push_backlog(packet);
  if (!writing_ && !queue_.empty()) flusher_.schedule_now(shared_from_this());
}

void MediaConnection::send_now(const media::PacketPtr& packet) {
  queue_.push(packet);
  flush();
}

media::ViewerStats MediaConnection::viewer_stats() const {
  return {bytes_out_, queue_.dropped_video(), queue_.dropped_audio(), queue_.size()};
}

void MediaConnection::stop_writing() {
  stopped_ = true;
  std::vector<media::PacketPtr> dropped;
  while (!queue_.empty()) queue_.take(dropped, kMaxPacketsPerWrite, kMaxPiecesPerWrite);
  if (!writing_) on_drained();
}

void MediaConnection::flush() {
  if (writing_) return;  // write_done() flushes again
  if (stopped_ || queue_.empty()) {
    on_drained();
    return;
  }
  batch_.clear();
  queue_.take(batch_, kMaxPacketsPerWrite, kMaxPiecesPerWrite);
  buffers_.clear();
  for (const auto& p : batch_) {
    p->for_each_wire_piece(format_, [this](std::span<const std::uint8_t> piece) {
      if (!piece.empty()) buffers_.emplace_back(piece.data(), piece.size());
    });
  }
  frame(buffers_);
  writing_ = true;
  if (const int fd = direct_fd(); fd >= 0)
    flusher_.sender().send(fd, buffers_, shared_from_this());  // on_sent() follows
  else
    write_buffers(buffers_);
}

void MediaConnection::on_sent(std::size_t bytes, int error) {
  if (error != 0 && error != EAGAIN && error != EWOULDBLOCK) {
    write_done(boost::system::error_code(error, boost::system::system_category()), bytes);
    return;
  }
  const auto total = boost::asio::buffer_size(buffers_);
  if (bytes == total) {
    write_done({}, bytes);
    return;
  }
  // The socket is full (a slow viewer): the asynchronous write sends the rest when there is room.
  bytes_out_ += bytes;
  auto it = buffers_.begin();
  while (it != buffers_.end() && bytes >= it->size()) bytes -= (it++)->size();
  buffers_.erase(buffers_.begin(), it);
  if (bytes > 0) buffers_.front() += bytes;
  write_buffers(buffers_);
}

void MediaConnection::write_done(const boost::system::error_code& ec, std::size_t bytes) {
  writing_ = false;
  bytes_out_ += bytes;
  release_if_large(batch_, kKeptPackets);
  release_if_large(buffers_, kKeptPieces);
  if (ec) {
    on_write_error(ec);
    return;
  }
  // Whatever queued up while the kernel was busy goes out at once, merged into one write.
  flush();
}

}  // namespace minirtc::server
