#pragma once
// An HTTP-FLV viewer for the load generator: GET /live/{key}.flv, then the chunked body through
// the FLV demuxer, every tag handed to the caller. One io_context, no threads of its own.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio.hpp>

#include "bench/arrival_reader.hpp"
#include "bench/chunked_decoder.hpp"
#include "flv/demuxer.hpp"
#include "flv/tag.hpp"

namespace minirtc::bench {

class FlvClient : public std::enable_shared_from_this<FlvClient>, private flv::TagReceiver {
 public:
  struct Handlers {
    std::function<void()> on_ready;  // 200 received
    /// Each tag, with the time its bytes reached the socket (see arrival_reader.hpp); `body` is
    /// valid during the call.
    std::function<void(flv::TagType type, std::uint32_t timestamp,
                       std::span<const std::uint8_t> body, std::int64_t arrival_ns)>
        on_tag;
    std::function<void(const std::string& reason)> on_closed;  // at most once
  };
  /// Response headers longer than this are refused.
  static constexpr std::size_t kMaxHeaderBytes = 16384;

  FlvClient(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint,
            std::string host_header, std::string path_and_query, Handlers handlers,
            double read_rate_bytes_per_s = 0);
  /// As RtmpClient::stamp_arrivals().
  void stamp_arrivals() noexcept { reader_.stamp_arrivals(); }
  void start();
  void close();
  /// May be read from another thread than the client's.
  std::uint64_t bytes_in() const noexcept { return reader_.bytes_in(); }
  bool ready() const noexcept { return ready_; }

 private:
  void read();
  void on_read(std::size_t n);
  void body(std::span<const std::uint8_t> data);
  bool receive(flv::CompletedTag& tag) override;
  void fail(const std::string& reason);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::ip::tcp::endpoint endpoint_;
  std::string request_;
  Handlers handlers_;
  ArrivalReader reader_;  // after socket_, which it reads
  std::string header_;
  bool headers_done_ = false;
  bool chunked_ = false;
  ChunkedDecoder chunked_decoder_;
  std::vector<std::uint8_t> dechunked_;
  flv::Demuxer demuxer_;
  bool ready_ = false;
  bool closed_ = false;
};

}  // namespace minirtc::bench
