#ifndef COALITION_CFFMPEG_SHIM_H
#define COALITION_CFFMPEG_SHIM_H
// FFmpeg's libavformat/libavcodec/libavutil. Macros Swift cannot import get a
// `CFFmpeg_` static inline wrapper here, each with the reason it exists.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libavutil/imgutils.h>
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
#include <errno.h>

/// AVERROR(e) is a function-like macro (negates a POSIX errno).
static inline int CFFmpeg_AVERROR(int e) { return AVERROR(e); }
/// AVERROR_EOF is built with FFERRTAG, a macro Swift cannot evaluate.
static inline int CFFmpeg_AVERROR_EOF(void) { return AVERROR_EOF; }
static inline int CFFmpeg_AVERROR_EAGAIN(void) { return AVERROR(EAGAIN); }
static inline int CFFmpeg_AVERROR_DECODER_NOT_FOUND(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int CFFmpeg_AVERROR_ENCODER_NOT_FOUND(void) { return AVERROR_ENCODER_NOT_FOUND; }
static inline int CFFmpeg_AVERROR_INVALIDDATA(void) { return AVERROR_INVALIDDATA; }
static inline int CFFmpeg_AVERROR_STREAM_NOT_FOUND(void) { return AVERROR_STREAM_NOT_FOUND; }
/// AV_NOPTS_VALUE is a cast macro.
static inline int64_t CFFmpeg_AV_NOPTS_VALUE(void) { return AV_NOPTS_VALUE; }
/// AV_TIME_BASE_Q is a compound literal macro.
static inline AVRational CFFmpeg_AV_TIME_BASE_Q(void) { return AV_TIME_BASE_Q; }
/// AVFMT_NOFILE / AVFMT_GLOBALHEADER / AV_CODEC_FLAG_GLOBAL_HEADER are plain ints but kept together here.
static inline int CFFmpeg_AVFMT_NOFILE(void) { return AVFMT_NOFILE; }
static inline int CFFmpeg_AVFMT_GLOBALHEADER(void) { return AVFMT_GLOBALHEADER; }
static inline int CFFmpeg_AV_CODEC_FLAG_GLOBAL_HEADER(void) { return AV_CODEC_FLAG_GLOBAL_HEADER; }

#include <malloc.h>
/// Returns the heap pages glibc holds free (including those FFmpeg's av_free released) to the
/// kernel, so a following resident-memory baseline is not inflated by memory a decoder left
/// behind. Not a macro, but <malloc.h> is not part of Swift's Glibc module.
static inline int CFFmpeg_release_free_heap(void) { return malloc_trim(0); }

#endif
