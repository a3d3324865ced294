#pragma once
// The write path every playing connection shares (RTMP, HTTP-FLV, WebSocket-FLV): a bounded
// ViewerQueue of shared packets, merged flushes through the FlushScheduler, and one gather write
// per flush whose buffers point straight into the shared packets. Connections on a plain TCP
// socket hand that write to the loop's BatchSender (many viewers per system call); what a full
// socket does not take, and every write of a TLS or WebSocket stream, goes through the
// transport's asynchronous write.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "media/packet.hpp"
#include "media/sink.hpp"
#include "media/viewer_queue.hpp"
#include "server/batch_sender.hpp"
#include "server/flush_scheduler.hpp"

namespace minirtc::server {

class MediaConnection : public Flushable,
                        public BatchSendTarget,
                        public media::ViewerSink,
                        public std::enable_shared_from_this<MediaConnection> {
 public:
  MediaConnection(FlushScheduler& flusher, media::WireFormat format, media::QueueLimits limits)
      : flusher_(flusher), queue_(format, limits), format_(format) {}

  // ViewerSink
  void deliver(const media::PacketPtr& packet) override;
  void deliver_backlog(const media::PacketPtr& packet) override;
  void set_remote_mute(bool audio, bool video) override { queue_.set_mute(audio, video); }
  const std::string& viewer_id() const override { return viewer_id_; }
  media::ViewerStats viewer_stats() const override;

  void flush() override;
  void on_sent(std::size_t bytes, int error) override;
  std::uint64_t bytes_out() const noexcept { return bytes_out_; }

 protected:
  /// Wraps one write's payload in the transport's framing (HTTP chunk), in place.
  virtual void frame(std::vector<boost::asio::const_buffer>& /*buffers*/) {}
  /// The socket to write to directly, or -1 when the stream must write itself (TLS, WebSocket,
  /// closed).
  virtual int direct_fd() { return -1; }
  /// Writes `buffers` (framed; valid until completion) asynchronously, then calls write_done().
  virtual void write_buffers(std::vector<boost::asio::const_buffer>& buffers) = 0;
  /// A write failed or the queue drained after close was requested.
  virtual void on_write_error(const boost::system::error_code& ec) = 0;
  /// Called when a flush finds nothing to write: the queue is empty, or writing was stopped.
  virtual void on_drained() {}

  void write_done(const boost::system::error_code& ec, std::size_t bytes);
  /// Control bytes (command replies, status): never dropped, written without waiting the window.
  void send_now(const media::PacketPtr& packet);
  /// Ends the media for good: what is queued is dropped and nothing more is written; the write in
  /// flight (if any) completes, then on_drained() is called (at once when nothing is in flight).
  void stop_writing();
  bool writing() const noexcept { return writing_; }
  bool idle() const noexcept { return !writing_ && queue_.empty(); }
  media::ViewerQueue& queue() noexcept { return queue_; }

  std::string viewer_id_;

 private:
  FlushScheduler& flusher_;
  media::ViewerQueue queue_;
  media::WireFormat format_;
  bool writing_ = false;
  bool stopped_ = false;                 // stop_writing() was called
  std::vector<media::PacketPtr> batch_;  // keeps the packets alive while the kernel reads them
  std::vector<boost::asio::const_buffer> buffers_;
  std::uint64_t bytes_out_ = 0;
};

}  // namespace minirtc::server
