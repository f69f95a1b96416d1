#ifndef KEEPALIVEDD_CRAWSOCKET_H
#define KEEPALIVEDD_CRAWSOCKET_H
#include <net/if.h>

/// Returns 1 when a network interface with this name exists on the host, 0 otherwise.
int kad_interface_exists(const char *name);

#endif
