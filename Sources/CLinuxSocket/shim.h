#ifndef COALITION_CLINUXSOCKET_SHIM_H
#define COALITION_CLINUXSOCKET_SHIM_H
// The Linux calls the membership thread and the worker spawner need that Swift's Glibc module does not export:
// recvmmsg/sendmmsg and pthread_setname_np are declared by glibc only under _GNU_SOURCE, which a
// header of a Swift module cannot turn on (the libc headers come precompiled from the Glibc
// module). So they are reached here through the kernel's stable ABI instead, each wrapper with
// its reason. Nothing to link.
#include <stddef.h>
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

// The kernel reads and writes an array of these, so our copy must have the kernel's layout to
// the byte: a field added, reordered or padded differently would make recvmmsg/sendmmsg read
// the wrong lengths and addresses without any error. The kernel's layout is its `user_msghdr`
// (which glibc's `msghdr` matches) followed by a 32-bit length, padded to the pointer size:
// 56 + 4 + 4 = 64 bytes on 64-bit Linux (x86_64, aarch64), 28 + 4 = 32 on 32-bit ARM.
_Static_assert(sizeof(struct msghdr) == (sizeof(void *) == 8 ? 56 : 28),
               "struct msghdr is not the kernel's user_msghdr");
_Static_assert(offsetof(CLinuxSocket_mmsghdr, msg_len) == sizeof(struct msghdr),
               "CLinuxSocket_mmsghdr.msg_len must follow msg_hdr directly, as in the kernel's mmsghdr");
_Static_assert(sizeof(CLinuxSocket_mmsghdr) == (sizeof(void *) == 8 ? 64 : 32),
               "CLinuxSocket_mmsghdr must have the size of the kernel's struct mmsghdr");

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

/// pipe2(2) with flags (O_CLOEXEC), declared by glibc only under _GNU_SOURCE: both ends are made
/// close-on-exec atomically, so a child spawned by another thread at that moment inherits neither.
static inline int CLinuxSocket_pipe2(int ends[2], int flags) {
    return (int)syscall(SYS_pipe2, ends, flags);
}

#endif
