#ifndef COALITION_CLINUXSOCKET_SHIM_H
#define COALITION_CLINUXSOCKET_SHIM_H
// The Linux calls the membership thread needs that Swift's Glibc module does not export:
// recvmmsg/sendmmsg and pthread_setname_np are declared by glibc only under _GNU_SOURCE, which a
// header of a Swift module cannot turn on (the libc headers come precompiled from the Glibc
// module). So they are reached here through the kernel's stable ABI instead, each wrapper with
// its reason. Nothing to link.
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

/// The kernel's `struct mmsghdr` (one datagram of a recvmmsg/sendmmsg batch), declared here
/// under our name because glibc declares its own only under _GNU_SOURCE.
typedef struct CLinuxSocket_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
} CLinuxSocket_mmsghdr;

/// recvmmsg(2): reads up to `count` datagrams in one call. `syscall` is variadic, which Swift
/// cannot call.
static inline int CLinuxSocket_recvmmsg(int socket, CLinuxSocket_mmsghdr *messages, unsigned int count, int flags) {
    return (int)syscall(SYS_recvmmsg, socket, messages, count, flags, (struct timespec *)0);
}

/// sendmmsg(2): sends up to `count` datagrams in one call.
static inline int CLinuxSocket_sendmmsg(int socket, CLinuxSocket_mmsghdr *messages, unsigned int count, int flags) {
    return (int)syscall(SYS_sendmmsg, socket, messages, count, flags);
}

/// Names the calling thread (at most 15 bytes, as `top -H` and `perf` show it). `prctl` is
/// variadic.
static inline int CLinuxSocket_name_thread(const char *name) {
    return prctl(PR_SET_NAME, name, 0, 0, 0);
}

#endif
