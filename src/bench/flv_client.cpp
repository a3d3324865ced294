#include "bench/flv_client.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "bench/arrival_reader.hpp"
#include "bench/clock.hpp"
#include "flv/audio.hpp"
#include "flv/video.hpp"

namespace minirtc::bench {

namespace asio = boost::asio;

FlvClient::FlvClient(asio::io_context& io, asio::ip::tcp::endpoint endpoint,
                     std::string host_header, std::string path_and_query, Handlers handlers,
                     double read_rate_bytes_per_s)
    : socket_(io),
      endpoint_(endpoint),
      request_("GET " + path_and_query + " HTTP/1.1\r\nHost: " + host_header +
               "\r\nUser-Agent: minirtc-bench\r\nAccept: */*\r\n\r\n"),
      handlers_(std::move(handlers)),
      reader_(socket_, read_rate_bytes_per_s) {}

void FlvClient::start() {
  socket_.async_connect(endpoint_, [self = shared_from_this()](boost::system::error_code ec) {
    if (self->closed_) return;
    if (ec) return self->fail("connect: " + ec.message());
    self->socket_.set_option(asio::ip::tcp::no_delay(true));
    self->reader_.connected();
    asio::async_write(self->socket_, asio::buffer(self->request_),
                      [self](boost::system::error_code ec2, std::size_t) {
                        if (self->closed_) return;
                        if (ec2) return self->fail("write: " + ec2.message());
                      });
    self->read();
  });
}

void FlvClient::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  reader_.close();
}

void FlvClient::fail(const std::string& reason) {
  if (closed_) return;
  close();
  if (handlers_.on_closed) handlers_.on_closed(reason);
}

void FlvClient::read() {
  if (closed_) return;
  reader_.read([self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
    if (self->closed_) return;
    if (ec) return self->fail("read: " + ec.message());
    self->on_read(n);
  });
}

void FlvClient::on_read(std::size_t n) {
  auto data = reader_.data(n);
  if (!headers_done_) {
    const auto before = header_.size();
    header_.append(reinterpret_cast<const char*>(data.data()), data.size());
    const auto end = header_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (header_.size() > kMaxHeaderBytes) return fail("response headers too long");
      return read();
    }
    headers_done_ = true;
    data = data.subspan(end + 4 - before);
    header_.resize(end);
    std::string lower = header_;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.rfind("http/1.1 200", 0) != 0 && lower.rfind("http/1.0 200", 0) != 0)
      return fail("HTTP " + header_.substr(0, header_.find('\r')));
    chunked_ = lower.find("transfer-encoding: chunked") != std::string::npos;
    ready_ = true;
    if (handlers_.on_ready) handlers_.on_ready();
    if (closed_) return;
  }
  if (!data.empty()) body(data);
  read();
}

void FlvClient::body(std::span<const std::uint8_t> data) {
  if (chunked_) {
    dechunked_.clear();
    if (auto st = chunked_decoder_.feed(data, dechunked_); !st)
      return fail("chunked: " + st.error().reason);
    data = dechunked_;
  }
  if (auto st = demuxer_.feed(data, *this); !st && !closed_)
    return fail("flv: " + st.error().reason);
}

bool FlvClient::receive(flv::CompletedTag& t) {
  // Parse every tag's header, as a player would, so a corrupt stream is noticed.
  if (t.type == flv::TagType::Video && !flv::parse_video_tag(t.body)) {
    fail("bad video tag");
    return false;
  }
  if (t.type == flv::TagType::Audio && !flv::parse_audio_tag(t.body)) {
    fail("bad audio tag");
    return false;
  }
  if (handlers_.on_tag) handlers_.on_tag(t.type, t.timestamp, t.body, reader_.arrival_ns());
  return !closed_;
}

}  // namespace minirtc::bench
