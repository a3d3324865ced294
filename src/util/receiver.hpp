#pragma once
// What an incremental parser (rtmp::ChunkDecoder, flv::Demuxer) hands each item it completes to,
// while the item may still point into the parser's own buffers: a receiver that only looks lets
// the parser reuse them, so reading allocates nothing per item.

namespace minirtc {

template <class Item>
class Receiver {
 public:
  /// Returns false to stop: the parser's feed() then returns at once, without reading the rest of
  /// its bytes (the receiver is closing the connection).
  virtual bool receive(Item& item) = 0;

 protected:
  ~Receiver() = default;
};

}  // namespace minirtc
