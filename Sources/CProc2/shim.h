#ifndef COALITION_CPROC2_SHIM_H
#define COALITION_CPROC2_SHIM_H
// libproc2 (procps-ng 4), the successor of libprocps. Its accessors MEMINFO_GET and
// STAT_GET are macros over a result union: wrapped here as typed functions.
#include <libproc2/meminfo.h>
#include <libproc2/stat.h>
#include <libproc2/misc.h>

/// MEMINFO_GET(info, item, ul_int): a value in KiB.
static inline unsigned long CProc2_meminfo_ul(struct meminfo_info *info, enum meminfo_item item) {
    return MEMINFO_GET(info, item, ul_int);
}
/// STAT_GET(info, item, ull_int): a tick count (clock ticks, USER_HZ).
static inline unsigned long long CProc2_stat_ull(struct stat_info *info, enum stat_item item) {
    return STAT_GET(info, item, ull_int);
}
/// STAT_GET(info, item, sl_int) for TIC_DELTA_* items: ticks since the previous read.
static inline signed long CProc2_stat_sl(struct stat_info *info, enum stat_item item) {
    return STAT_GET(info, item, sl_int);
}
#endif
