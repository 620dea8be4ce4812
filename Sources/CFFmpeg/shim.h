#ifndef COALITION_CFFMPEG_SHIM_H
#define COALITION_CFFMPEG_SHIM_H
// FFmpeg's libavformat/libavcodec/libavutil. Macros Swift cannot import get a
// `CFFmpeg_` static inline wrapper here, each with the reason it exists.
//
// The libraries are not linked: they are opened with dlopen() the first time the Media target needs
// them (`CFFmpeg_load`). FFmpeg pulls in about a hundred libraries (x265, librsvg, gnutls, ...),
// whose relocated data alone costs a process about 2.5 MB of private memory; the daemon
// (`node join`) never decodes, so it must not pay that. Only the headers are used at build time.
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libavutil/imgutils.h>
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
#include <libavutil/md5.h>
#include <libavutil/pixdesc.h>
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

/* Keeps freed heap blocks up to `bytes` for reuse instead of unmapping them (mallopt's mmap and
   trim thresholds); 1 when glibc took both values. */
static inline int CFFmpeg_keep_freed_heap_blocks(int bytes) {
    return mallopt(M_MMAP_THRESHOLD, bytes) == 1 && mallopt(M_TRIM_THRESHOLD, bytes * 2) == 1;
}

#include <dlfcn.h>
#include <stdio.h>

/// Every FFmpeg function the Media target calls, with the library that defines it.
#define CFFMPEG_FUNCTIONS(X) \
    X(avutil, avutil_version) X(avutil, av_strerror) X(avutil, av_log_set_level) \
    X(avutil, av_opt_set) X(avutil, av_frame_alloc) X(avutil, av_frame_free) \
    X(avutil, av_frame_unref) X(avutil, av_frame_get_buffer) X(avutil, av_frame_make_writable) \
    X(avutil, av_channel_layout_default) X(avutil, av_channel_layout_copy) X(avutil, av_mallocz) \
    X(avutil, av_image_get_buffer_size) X(avutil, av_image_copy_to_buffer) X(avutil, av_md5_sum) \
    X(avutil, av_get_bytes_per_sample) X(avutil, av_sample_fmt_is_planar) X(avutil, av_get_pix_fmt_name) \
    X(avcodec, avcodec_find_decoder) X(avcodec, avcodec_get_name) X(avcodec, av_new_packet) \
    X(avcodec, av_packet_new_side_data) X(avcodec, av_packet_get_side_data) \
    X(avcodec, avcodec_version) X(avcodec, avcodec_alloc_context3) X(avcodec, avcodec_free_context) \
    X(avcodec, avcodec_parameters_to_context) X(avcodec, avcodec_parameters_from_context) \
    X(avcodec, avcodec_open2) X(avcodec, avcodec_send_packet) X(avcodec, avcodec_receive_frame) \
    X(avcodec, avcodec_send_frame) X(avcodec, avcodec_receive_packet) \
    X(avcodec, avcodec_find_encoder_by_name) X(avcodec, av_packet_alloc) X(avcodec, av_packet_free) \
    X(avcodec, av_packet_unref) X(avcodec, av_packet_rescale_ts) \
    X(avformat, avformat_version) X(avformat, avformat_open_input) \
    X(avformat, avformat_find_stream_info) X(avformat, avformat_close_input) X(avformat, av_find_input_format) \
    X(avformat, avio_seek) X(avformat, av_guess_frame_rate) \
    X(avformat, av_find_best_stream) X(avformat, av_read_frame) \
    X(avformat, avformat_alloc_output_context2) X(avformat, avformat_free_context) \
    X(avformat, avformat_new_stream) X(avformat, avformat_write_header) \
    X(avformat, av_interleaved_write_frame) X(avformat, av_write_trailer) \
    X(avformat, avio_open) X(avformat, avio_closep)

#define CFFMPEG_FIELD(library, name) __typeof__(&name) _Nonnull name;
/// The FFmpeg functions, resolved with dlsym. Field types are taken from FFmpeg's own
/// declarations, so a signature can never drift from the headers the build saw.
typedef struct CFFmpegFunctions {
    CFFMPEG_FUNCTIONS(CFFMPEG_FIELD)
} CFFmpegFunctions;
#undef CFFMPEG_FIELD

#define CFFMPEG_STRING2(x) #x
#define CFFMPEG_STRING(x) CFFMPEG_STRING2(x)
/// The sonames of the major versions the headers describe (e.g. `libavcodec.so.59` on Debian 12).
#define CFFMPEG_SONAME_avutil "libavutil.so." CFFMPEG_STRING(LIBAVUTIL_VERSION_MAJOR)
#define CFFMPEG_SONAME_avcodec "libavcodec.so." CFFMPEG_STRING(LIBAVCODEC_VERSION_MAJOR)
#define CFFMPEG_SONAME_avformat "libavformat.so." CFFMPEG_STRING(LIBAVFORMAT_VERSION_MAJOR)

/// Opens libavutil, libavcodec and libavformat and fills `functions`. Returns 0, or -1 with a
/// message naming the library or symbol that is missing in `error` (`capacity` bytes).
/// The libraries stay loaded for the life of the process. Not thread-safe; call once.
static inline int CFFmpeg_load(CFFmpegFunctions *functions, char *error, size_t capacity) {
    void *avutil = dlopen(CFFMPEG_SONAME_avutil, RTLD_NOW | RTLD_LOCAL);
    void *avcodec = avutil ? dlopen(CFFMPEG_SONAME_avcodec, RTLD_NOW | RTLD_LOCAL) : NULL;
    void *avformat = avcodec ? dlopen(CFFMPEG_SONAME_avformat, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (!avformat) {
        const char *reason = dlerror();
        snprintf(error, capacity, "%s", reason ? reason : "dlopen failed");
        return -1;
    }
#define CFFMPEG_RESOLVE(library, name) \
    *(void **)&functions->name = dlsym(library, #name); \
    if (!functions->name) { \
        snprintf(error, capacity, "%s has no symbol %s", CFFMPEG_SONAME_##library, #name); \
        return -1; \
    }
    CFFMPEG_FUNCTIONS(CFFMPEG_RESOLVE)
#undef CFFMPEG_RESOLVE
    return 0;
}

#endif
