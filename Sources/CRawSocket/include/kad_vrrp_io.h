#ifndef KEEPALIVEDD_KAD_VRRP_IO_H
#define KEEPALIVEDD_KAD_VRRP_IO_H
/* VRRP I/O shims: raw VRRP sockets (IPv4/IPv6, ancillary data), packet sockets for
 * gratuitous ARP / unsolicited NA, rtnetlink link events, network namespace switching.
 * Every function returns -errno on failure (never sets errno for the caller to read). */
#include <stddef.h>
#include <stdint.h>

/// What one received datagram came with (filled by kad_vrrp_recv).
struct kad_vrrp_recv_info {
    int family;              /* AF_INET or AF_INET6 */
    uint8_t source[16];      /* first 4 bytes for IPv4 (network order) */
    uint8_t destination[16]; /* from IP_PKTINFO / IPV6_PKTINFO; zero when absent */
    int hop_limit;           /* IP_TTL / IPV6_HOPLIMIT; -1 when absent */
    int ifindex;             /* arrival interface; 0 when absent */
};

/// Opens a non-blocking raw IPv4 socket for `protocol` (112 VRRP, 51 AH) bound to `ifname`,
/// with IP_HDRINCL when `header_included`, multicast TTL 255, loop off, IP_PKTINFO/IP_RECVTTL.
/// `group` (network order, 0 = none) is joined on `ifindex`. Returns the fd or -errno.
int kad_vrrp_open4(const char *ifname, int ifindex, int protocol, uint32_t group,
                   int header_included);

/// Opens a non-blocking raw IPv6 socket for `protocol` bound to `ifname`: multicast and unicast
/// hops 255, loop off, IPV6_RECVHOPLIMIT + IPV6_RECVPKTINFO, joins `group` (16 bytes, NULL = none)
/// on `ifindex`; `checksum_offset` >= 0 makes the kernel fill/verify the checksum there.
int kad_vrrp_open6(const char *ifname, int ifindex, int protocol, const uint8_t *group,
                   int checksum_offset);

/// Sends `len` bytes to `destination` (4 or 16 bytes, per the socket's family). For IPv6, a
/// non-NULL `source` (16 bytes) and/or `ifindex` > 0 go out as IPV6_PKTINFO. Returns bytes or -errno.
long kad_vrrp_send(int fd, int family, const void *buf, size_t len, const uint8_t *destination,
                   const uint8_t *source, int ifindex);

/// Reads one datagram without blocking; returns its length, or -errno (-EAGAIN when empty).
long kad_vrrp_recv(int fd, void *buf, size_t len, struct kad_vrrp_recv_info *info);

/// Opens an AF_PACKET raw socket for sending whole Ethernet frames (ETH_P_RARP as protocol, as
/// keepalived, so it receives next to nothing). Returns the fd or -errno.
int kad_vrrp_packet_open_sender(void);

/// Opens an AF_PACKET raw socket receiving every frame (ETH_P_ALL) on `ifindex` (0 = all);
/// non-blocking. For tests and diagnostics. Returns the fd or -errno.
int kad_vrrp_packet_open_capture(int ifindex);

/// Sends an Ethernet frame on `ifindex` to `destination_mac` (6 bytes). Returns bytes or -errno.
long kad_vrrp_packet_send(int fd, int ifindex, const uint8_t *destination_mac, const void *frame,
                     size_t len);

/// One rtnetlink link event or dump entry.
struct kad_vrrp_link_event {
    int ifindex;
    unsigned int flags;  /* IFF_* */
    int deleted;         /* RTM_DELLINK */
    char name[16];
    uint8_t mac[32];
    int mac_length;
};

/// Opens a non-blocking NETLINK_ROUTE socket subscribed to RTNLGRP_LINK. Returns fd or -errno.
int kad_vrrp_link_monitor_open(void);

/* An rtnetlink socket subscribed to IPv4 and IPv6 address events (RTMGRP_IPV4_IFADDR,
 * RTMGRP_IPV6_IFADDR), non-blocking; returns the descriptor or -errno. */
int kad_address_monitor_open(void);

/// Parses one netlink datagram into at most `max` link events; returns how many.
int kad_vrrp_link_parse(const void *buf, size_t len, struct kad_vrrp_link_event *events, int max);

/// Saves the calling thread's network namespace and enters the one at `path`
/// (e.g. /run/netns/NAME). Returns a fd for kad_vrrp_netns_restore, or -errno.
int kad_vrrp_netns_enter(const char *path);

/// Returns the calling thread to the namespace saved by kad_vrrp_netns_enter and closes `saved`.
int kad_vrrp_netns_restore(int saved);

/// The error of a netlink request: errno and, when the kernel sent one (extended ACK),
/// its message (e.g. "ipv4: Invalid scope value.").
struct kad_vrrp_netlink_error {
    int code;
    char message[256];
};

/// Turns on extended ACK messages (NETLINK_EXT_ACK) on a netlink socket. Returns 0 or -errno.
int kad_vrrp_netlink_enable_ext_ack(int fd);

/// Records the `struct nlmsgerr *` a netlink error callback received (it must point into the
/// received message, right after its header) into `out`: errno and the extended ACK message.
void kad_vrrp_netlink_record_error(const void *nlmsgerr, struct kad_vrrp_netlink_error *out);

#endif
