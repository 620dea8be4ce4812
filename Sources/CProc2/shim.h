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

/// Reads /proc/stat afresh (procps_stat_select always re-reads; procps_stat_get re-reads at most
/// once a second) and returns the summary line's cumulative ticks: all of them, and idle+iowait.
/// Returns 0 on success, -1 when /proc/stat could not be read.
static inline int CProc2_stat_read_ticks(struct stat_info *info,
                                         unsigned long long *total, unsigned long long *idle) {
    enum stat_item items[2] = { STAT_TIC_SUM_TOTAL, STAT_TIC_SUM_IDLE };
    struct stat_stack *stack = procps_stat_select(info, items, 2);
    if (!stack) return -1;
    *total = STAT_VAL(0, ull_int, stack, info);
    *idle = STAT_VAL(1, ull_int, stack, info);
    return 0;
}
/// Reads /proc/meminfo afresh through procps_meminfo_select (MEMINFO_VAL is a macro) and returns
/// MemAvailable and MemTotal in KiB. Returns 0 on success, -1 when /proc/meminfo could not be read.
static inline int CProc2_meminfo_read(struct meminfo_info *info,
                                      unsigned long *available_kib, unsigned long *total_kib) {
    enum meminfo_item items[2] = { MEMINFO_MEM_AVAILABLE, MEMINFO_MEM_TOTAL };
    struct meminfo_stack *stack = procps_meminfo_select(info, items, 2);
    if (!stack) return -1;
    *available_kib = MEMINFO_VAL(0, ul_int, stack, info);
    *total_kib = MEMINFO_VAL(1, ul_int, stack, info);
    return 0;
}
#endif
