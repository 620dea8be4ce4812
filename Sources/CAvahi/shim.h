#ifndef COALITION_CAVAHI_SHIM_H
#define COALITION_CAVAHI_SHIM_H
// Avahi's client API, imported whole. Everything Swift can call directly is used directly;
// only macros and variadic functions get a `CAvahi_` wrapper here.
#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-client/lookup.h>
#include <avahi-common/thread-watch.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/alternative.h>
#include <avahi-common/domain.h>
#include <avahi-common/strlst.h>
#include <avahi-common/address.h>
#include <avahi-common/timeval.h>
#include <avahi-common/watch.h>

/// AVAHI_IF_UNSPEC and AVAHI_PROTO_UNSPEC are enum values Swift imports, but the
/// AVAHI_PROTO_INET alias is a macro on some versions: give it a stable name.
static inline AvahiProtocol CAvahi_protoInet(void) { return AVAHI_PROTO_INET; }
static inline AvahiProtocol CAvahi_protoUnspec(void) { return AVAHI_PROTO_UNSPEC; }
static inline AvahiIfIndex CAvahi_ifUnspec(void) { return AVAHI_IF_UNSPEC; }

/// One-shot timers on an AvahiPoll: the poll API is a struct of function pointers taking an
/// absolute `struct timeval`; these wrappers take a delay in milliseconds instead.
static inline AvahiTimeout *CAvahi_timeoutNew(const AvahiPoll *api, unsigned milliseconds,
                                              AvahiTimeoutCallback callback, void *userdata) {
    struct timeval when;
    avahi_elapse_time(&when, milliseconds, 0);
    return api->timeout_new(api, &when, callback, userdata);
}
static inline void CAvahi_timeoutFree(const AvahiPoll *api, AvahiTimeout *timeout) {
    api->timeout_free(timeout);
}

#endif
