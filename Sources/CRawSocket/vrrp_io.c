#define _GNU_SOURCE
#include "kad_vrrp_io.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

static int fail_close(int fd) {
    int saved = errno;
    close(fd);
    return -saved;
}

static int bind_device(int fd, const char *ifname) {
    if (ifname == NULL || ifname[0] == 0) return 0;
    return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1);
}

int kad_vrrp_open4(const char *ifname, int ifindex, int protocol, uint32_t group,
                   int header_included) {
    int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) return -errno;
    int on = 1, off = 0, ttl = 255;
    if (header_included && setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)) < 0)
        return fail_close(fd);
    if (bind_device(fd, ifname) < 0) return fail_close(fd);
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off, sizeof(off)) < 0) return fail_close(fd);
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0) return fail_close(fd);
    if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) < 0) return fail_close(fd);
    if (setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on)) < 0) return fail_close(fd);
    if (ifindex > 0) {
        struct ip_mreqn multicast_if;
        memset(&multicast_if, 0, sizeof(multicast_if));
        multicast_if.imr_ifindex = ifindex;
        if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &multicast_if, sizeof(multicast_if)) < 0)
            return fail_close(fd);
    }
    if (group != 0) {
        struct ip_mreqn request;
        memset(&request, 0, sizeof(request));
        request.imr_multiaddr.s_addr = group;
        request.imr_ifindex = ifindex;
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &request, sizeof(request)) < 0)
            return fail_close(fd);
    }
    return fd;
}

int kad_vrrp_open6(const char *ifname, int ifindex, int protocol, const uint8_t *group,
                   int checksum_offset) {
    int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) return -errno;
    int on = 1, off = 0, hops = 255;
    if (bind_device(fd, ifname) < 0) return fail_close(fd);
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0) return fail_close(fd);
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0) return fail_close(fd);
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off, sizeof(off)) < 0) return fail_close(fd);
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) < 0) return fail_close(fd);
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0) return fail_close(fd);
    if (checksum_offset >= 0 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, &checksum_offset, sizeof(checksum_offset)) < 0)
        return fail_close(fd);
    if (ifindex > 0) {
        unsigned int index = (unsigned int)ifindex;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &index, sizeof(index)) < 0)
            return fail_close(fd);
    }
    if (group != NULL) {
        struct ipv6_mreq request;
        memset(&request, 0, sizeof(request));
        memcpy(&request.ipv6mr_multiaddr, group, 16);
        request.ipv6mr_interface = (unsigned int)ifindex;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &request, sizeof(request)) < 0)
            return fail_close(fd);
    }
    return fd;
}

long kad_vrrp_send(int fd, int family, const void *buf, size_t len, const uint8_t *destination,
                   const uint8_t *source, int ifindex) {
    struct msghdr message;
    struct iovec vector = { .iov_base = (void *)buf, .iov_len = len };
    union { char bytes[CMSG_SPACE(sizeof(struct in6_pktinfo))]; struct cmsghdr align; } control;
    struct sockaddr_in to4;
    struct sockaddr_in6 to6;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    if (family == AF_INET) {
        memset(&to4, 0, sizeof(to4));
        to4.sin_family = AF_INET;
        memcpy(&to4.sin_addr, destination, 4);
        message.msg_name = &to4;
        message.msg_namelen = sizeof(to4);
    } else {
        memset(&to6, 0, sizeof(to6));
        to6.sin6_family = AF_INET6;
        memcpy(&to6.sin6_addr, destination, 16);
        to6.sin6_scope_id = ifindex > 0 ? (uint32_t)ifindex : 0;
        message.msg_name = &to6;
        message.msg_namelen = sizeof(to6);
        if (source != NULL || ifindex > 0) {
            memset(&control, 0, sizeof(control));
            message.msg_control = control.bytes;
            message.msg_controllen = sizeof(control.bytes);
            struct cmsghdr *header = CMSG_FIRSTHDR(&message);
            header->cmsg_level = IPPROTO_IPV6;
            header->cmsg_type = IPV6_PKTINFO;
            header->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
            struct in6_pktinfo info;
            memset(&info, 0, sizeof(info));
            if (source != NULL) memcpy(&info.ipi6_addr, source, 16);
            info.ipi6_ifindex = ifindex > 0 ? (unsigned int)ifindex : 0;
            memcpy(CMSG_DATA(header), &info, sizeof(info));
        }
    }
    ssize_t sent = sendmsg(fd, &message, 0);
    return sent < 0 ? -errno : (long)sent;
}

long kad_vrrp_recv(int fd, void *buf, size_t len, struct kad_vrrp_recv_info *info) {
    struct sockaddr_storage from;
    struct iovec vector = { .iov_base = buf, .iov_len = len };
    union { char bytes[256]; struct cmsghdr align; } control;
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    memset(info, 0, sizeof(*info));
    info->hop_limit = -1;
    message.msg_name = &from;
    message.msg_namelen = sizeof(from);
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof(control.bytes);
    ssize_t received = recvmsg(fd, &message, MSG_DONTWAIT);
    if (received < 0) return -errno;
    info->family = from.ss_family;
    if (from.ss_family == AF_INET)
        memcpy(info->source, &((struct sockaddr_in *)&from)->sin_addr, 4);
    else if (from.ss_family == AF_INET6)
        memcpy(info->source, &((struct sockaddr_in6 *)&from)->sin6_addr, 16);
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL;
         header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level == IPPROTO_IP && header->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo packet_info;
            memcpy(&packet_info, CMSG_DATA(header), sizeof(packet_info));
            memcpy(info->destination, &packet_info.ipi_addr, 4);
            info->ifindex = packet_info.ipi_ifindex;
        } else if (header->cmsg_level == IPPROTO_IP && header->cmsg_type == IP_TTL) {
            int ttl;
            memcpy(&ttl, CMSG_DATA(header), sizeof(ttl));
            info->hop_limit = ttl;
        } else if (header->cmsg_level == IPPROTO_IPV6 && header->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo packet_info;
            memcpy(&packet_info, CMSG_DATA(header), sizeof(packet_info));
            memcpy(info->destination, &packet_info.ipi6_addr, 16);
            info->ifindex = (int)packet_info.ipi6_ifindex;
        } else if (header->cmsg_level == IPPROTO_IPV6 && header->cmsg_type == IPV6_HOPLIMIT) {
            int hops;
            memcpy(&hops, CMSG_DATA(header), sizeof(hops));
            info->hop_limit = hops;
        }
    }
    return (long)received;
}

int kad_vrrp_packet_open_sender(void) {
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_RARP));
    return fd < 0 ? -errno : fd;
}

int kad_vrrp_packet_open_capture(int ifindex) {
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) return -errno;
    if (ifindex > 0) {
        struct sockaddr_ll address;
        memset(&address, 0, sizeof(address));
        address.sll_family = AF_PACKET;
        address.sll_protocol = htons(ETH_P_ALL);
        address.sll_ifindex = ifindex;
        if (bind(fd, (struct sockaddr *)&address, sizeof(address)) < 0) return fail_close(fd);
    }
    return fd;
}

long kad_vrrp_packet_send(int fd, int ifindex, const uint8_t *destination_mac, const void *frame,
                     size_t len) {
    struct sockaddr_ll address;
    memset(&address, 0, sizeof(address));
    address.sll_family = AF_PACKET;
    address.sll_ifindex = ifindex;
    address.sll_halen = ETH_ALEN;
    memcpy(address.sll_addr, destination_mac, ETH_ALEN);
    ssize_t sent = sendto(fd, frame, len, 0, (struct sockaddr *)&address, sizeof(address));
    return sent < 0 ? -errno : (long)sent;
}

int kad_vrrp_link_monitor_open(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    struct sockaddr_nl address;
    memset(&address, 0, sizeof(address));
    address.nl_family = AF_NETLINK;
    address.nl_groups = RTMGRP_LINK;
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) < 0) return fail_close(fd);
    return fd;
}

int kad_address_monitor_open(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    struct sockaddr_nl address;
    memset(&address, 0, sizeof(address));
    address.nl_family = AF_NETLINK;
    address.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) < 0) return fail_close(fd);
    return fd;
}

int kad_vrrp_link_parse(const void *buf, size_t len, struct kad_vrrp_link_event *events, int max) {
    int count = 0;
    int remaining = (int)len;
    for (const struct nlmsghdr *header = buf; NLMSG_OK(header, remaining) && count < max;
         header = NLMSG_NEXT(header, remaining)) {
        if (header->nlmsg_type != RTM_NEWLINK && header->nlmsg_type != RTM_DELLINK) continue;
        if (header->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg))) continue;
        const struct ifinfomsg *link = NLMSG_DATA(header);
        struct kad_vrrp_link_event *event = &events[count++];
        memset(event, 0, sizeof(*event));
        event->ifindex = link->ifi_index;
        event->flags = link->ifi_flags;
        event->deleted = header->nlmsg_type == RTM_DELLINK;
        int attributes_length = (int)(header->nlmsg_len - NLMSG_LENGTH(sizeof(*link)));
        for (const struct rtattr *attribute = IFLA_RTA(link); RTA_OK(attribute, attributes_length);
             attribute = RTA_NEXT(attribute, attributes_length)) {
            size_t payload = RTA_PAYLOAD(attribute);
            if (attribute->rta_type == IFLA_IFNAME) {
                size_t copy = payload < sizeof(event->name) - 1 ? payload : sizeof(event->name) - 1;
                memcpy(event->name, RTA_DATA(attribute), copy);
                event->name[copy] = 0;
            } else if (attribute->rta_type == IFLA_ADDRESS) {
                size_t copy = payload < sizeof(event->mac) ? payload : sizeof(event->mac);
                memcpy(event->mac, RTA_DATA(attribute), copy);
                event->mac_length = (int)copy;
            }
        }
    }
    return count;
}

int kad_vrrp_netns_enter(const char *path) {
    int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (saved < 0) return -errno;
    int target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0) return fail_close(saved);
    if (setns(target, CLONE_NEWNET) < 0) {
        int error = errno;
        close(target);
        close(saved);
        return -error;
    }
    close(target);
    return saved;
}

int kad_vrrp_netns_restore(int saved) {
    int result = setns(saved, CLONE_NEWNET) < 0 ? -errno : 0;
    close(saved);
    return result;
}

int kad_vrrp_netlink_enable_ext_ack(int fd) {
    int on = 1;
    if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on)) < 0) return -errno;
    return 0;
}

void kad_vrrp_netlink_record_error(const void *nlmsgerr, struct kad_vrrp_netlink_error *out) {
    const struct nlmsgerr *error = nlmsgerr;
    const struct nlmsghdr *header = (const struct nlmsghdr *)((const char *)error - NLMSG_HDRLEN);
    out->code = -error->error;
    out->message[0] = 0;
    if (!(header->nlmsg_flags & NLM_F_ACK_TLVS)) return;
    size_t offset = sizeof(*error);
    if (!(header->nlmsg_flags & NLM_F_CAPPED))
        offset += error->msg.nlmsg_len - sizeof(struct nlmsghdr);
    size_t total = header->nlmsg_len - NLMSG_HDRLEN;
    while (offset + NLA_HDRLEN <= total) {
        const struct nlattr *attribute = (const struct nlattr *)((const char *)error + offset);
        if (attribute->nla_len < NLA_HDRLEN || offset + attribute->nla_len > total) return;
        if ((attribute->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
            size_t length = attribute->nla_len - NLA_HDRLEN;
            if (length >= sizeof(out->message)) length = sizeof(out->message) - 1;
            memcpy(out->message, (const char *)attribute + NLA_HDRLEN, length);
            out->message[length] = 0;
            return;
        }
        offset += NLA_ALIGN(attribute->nla_len);
    }
}
