#include "server/socket_options.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace minirtc::server {

void tune_accepted_socket(boost::asio::ip::tcp::socket& socket, std::uint32_t unsent_limit) {
  boost::system::error_code ec;
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  if (unsent_limit == 0) return;
  const int value = static_cast<int>(unsent_limit);
  if (::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_NOTSENT_LOWAT, &value, sizeof value) !=
      0)
    spdlog::debug("TCP_NOTSENT_LOWAT not set: {}", std::strerror(errno));
}

}  // namespace minirtc::server
