#include "server/remux.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include <fmt/format.h>

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/mathematics.h>
}

namespace minirtc::server {

namespace {

std::string av_reason(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

struct InputCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct OutputCloser {
  void operator()(AVFormatContext* c) const {
    if (c->pb && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

}  // namespace

Result<RemuxResult> remux_flv_to_mp4(const std::string& flv_path, const std::string& mp4_path) {
  av_log_set_level(AV_LOG_ERROR);
  const std::string part = mp4_path + ".part";
  auto fail = [&](std::string what, int err) -> Error {
    std::error_code ec;
    std::filesystem::remove(part, ec);
    return make_error(err ? fmt::format("{}: {}", what, av_reason(err)) : what);
  };

  AVFormatContext* raw_in = nullptr;
  const AVInputFormat* flv = av_find_input_format("flv");
  if (int e = avformat_open_input(&raw_in, flv_path.c_str(), flv, nullptr); e < 0)
    return fail("cannot open " + flv_path, e);
  std::unique_ptr<AVFormatContext, InputCloser> in(raw_in);
  if (int e = avformat_find_stream_info(in.get(), nullptr); e < 0)
    return fail("cannot read the streams of " + flv_path, e);

  AVFormatContext* raw_out = nullptr;
  if (int e = avformat_alloc_output_context2(&raw_out, nullptr, "mp4", part.c_str()); e < 0)
    return fail("cannot set up the MP4 muxer", e);
  std::unique_ptr<AVFormatContext, OutputCloser> out(raw_out);
  // The first packet's timestamp becomes 0 (a recording begun mid-stream starts at its start).
  out->avoid_negative_ts = AVFMT_AVOID_NEG_TS_MAKE_ZERO;

  RemuxResult result;
  std::vector<int> map(in->nb_streams, -1);
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    const AVCodecParameters* par = in->streams[i]->codecpar;
    const bool audio = par->codec_type == AVMEDIA_TYPE_AUDIO;
    const bool video = par->codec_type == AVMEDIA_TYPE_VIDEO;
    if ((!audio && !video) || par->codec_id == AV_CODEC_ID_NONE) continue;
    AVStream* s = avformat_new_stream(out.get(), nullptr);
    if (!s) return fail("cannot add an MP4 stream", AVERROR(ENOMEM));
    if (int e = avcodec_parameters_copy(s->codecpar, par); e < 0)
      return fail("cannot copy codec parameters", e);
    s->codecpar->codec_tag = 0;
    s->time_base = in->streams[i]->time_base;
    map[i] = s->index;
    result.has_audio |= audio;
    result.has_video |= video;
  }
  if (out->nb_streams == 0) return fail("the recording has no audio or video", 0);

  if (int e = avio_open(&out->pb, part.c_str(), AVIO_FLAG_WRITE); e < 0)
    return fail("cannot create " + part, e);
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "movflags", "+faststart", 0);
  const int header = avformat_write_header(out.get(), &opts);
  av_dict_free(&opts);
  if (header < 0) return fail("cannot write the MP4 header", header);

  // The duration: from the earliest presentation time to the end of the latest packet.
  std::int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
  std::unique_ptr<AVPacket, PacketFree> pkt(av_packet_alloc());
  if (!pkt) return fail("out of memory", AVERROR(ENOMEM));
  for (;;) {
    const int r = av_read_frame(in.get(), pkt.get());
    if (r == AVERROR_EOF) break;
    if (r < 0) break;  // a truncated tail (killed while writing): what came before is kept
    const int si = pkt->stream_index;
    if (si < 0 || static_cast<unsigned>(si) >= map.size() || map[si] < 0) {
      av_packet_unref(pkt.get());
      continue;
    }
    AVStream* ist = in->streams[si];
    AVStream* ost = out->streams[map[si]];
    if (pkt->pts != AV_NOPTS_VALUE) {
      const auto start = av_rescale_q(pkt->pts, ist->time_base, {1, 1000});
      const auto end = av_rescale_q(pkt->pts + pkt->duration, ist->time_base, {1, 1000});
      first_ms = std::min(first_ms, start);
      last_ms = std::max(last_ms, end);
    }
    av_packet_rescale_ts(pkt.get(), ist->time_base, ost->time_base);
    pkt->stream_index = map[si];
    pkt->pos = -1;
    if (int e = av_interleaved_write_frame(out.get(), pkt.get()); e < 0)
      return fail("cannot write to " + part, e);
  }
  if (int e = av_write_trailer(out.get()); e < 0) return fail("cannot finish " + part, e);
  if (last_ms > first_ms) result.duration_ms = static_cast<std::uint64_t>(last_ms - first_ms);
  if (int e = avio_closep(&out->pb); e < 0) return fail("cannot close " + part, e);

  std::error_code ec;
  std::filesystem::rename(part, mp4_path, ec);
  if (ec) return fail(fmt::format("cannot rename {}: {}", part, ec.message()), 0);
  result.size_bytes = std::filesystem::file_size(mp4_path, ec);
  return result;
}

}  // namespace minirtc::server
