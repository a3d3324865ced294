#pragma once
// Options every accepted connection gets, RTMP and HTTP alike.
//
// No Nagle delay: media and signalling are latency-bound, and merged writes already batch.
//
// A bound on what the kernel keeps unsent (TCP_NOTSENT_LOWAT). Without it, Linux grows a socket's
// send buffer for a viewer that cannot keep up to megabytes: the benchmark's slow viewers had
// ~850 KB (13 s of a 500 kbit/s stream) each in the server's send queues, kernel memory no RSS
// figure shows, and the viewer queue's drop-to-keyframe policy never ran because every write was
// accepted. With the bound, a full socket pushes back after `unsent_limit` bytes and the bounded
// ViewerQueue decides what a late viewer skips. Viewers that keep up have nearly nothing unsent,
// so it costs them nothing.

#include <cstdint>

#include <boost/asio/ip/tcp.hpp>

namespace minirtc::server {

/// unsent_limit 0 leaves the kernel's default (no bound).
void tune_accepted_socket(boost::asio::ip::tcp::socket& socket, std::uint32_t unsent_limit);

}  // namespace minirtc::server
