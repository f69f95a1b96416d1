/*
 * reload-probe: times a reload from the signal to the kernel. Sends SIGHUP to PID, then asks the
 * kernel's IPVS table (generic netlink, IPVS_CMD_GET_DEST for one TCP service) every millisecond
 * for the first two seconds (every 20 ms after that, so a slow reload is not slowed further by the
 * probe) until the real server RIP:RPORT of VIP:VPORT has WEIGHT, and prints the seconds that took
 * ("failed" after TIMEOUT seconds). Each query reads one service's destinations, so the probe
 * costs the kernel and the CPU far less than an `ipvsadm -Ln` process per poll (tens of ms each
 * under emulation), which would otherwise be most of what a fast reload measures.
 *
 *   reload-probe PID VIP VPORT RIP RPORT WEIGHT TIMEOUT
 *
 * IPv4 only (the reload bench's addresses). Build: cc -O2 reload-probe.c $(pkg-config --cflags
 * --libs libnl-genl-3.0) -o reload-probe
 */
#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct target {
    struct in_addr address;
    uint16_t port;        /* network order */
    long weight;          /* -1 until the destination is seen */
};

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One destination of the dump: remember its weight when it is the target. */
static int on_destination(struct nl_msg *msg, void *arg) {
    struct target *target = arg;
    struct nlattr *attrs[IPVS_CMD_ATTR_MAX + 1];
    struct nlattr *dest[IPVS_DEST_ATTR_MAX + 1];
    if (genlmsg_parse(nlmsg_hdr(msg), 0, attrs, IPVS_CMD_ATTR_MAX, NULL) < 0 || !attrs[IPVS_CMD_ATTR_DEST])
        return NL_SKIP;
    if (nla_parse_nested(dest, IPVS_DEST_ATTR_MAX, attrs[IPVS_CMD_ATTR_DEST], NULL) < 0)
        return NL_SKIP;
    if (!dest[IPVS_DEST_ATTR_ADDR] || !dest[IPVS_DEST_ATTR_PORT] || !dest[IPVS_DEST_ATTR_WEIGHT])
        return NL_SKIP;
    if (nla_len(dest[IPVS_DEST_ATTR_ADDR]) < 4 || memcmp(nla_data(dest[IPVS_DEST_ATTR_ADDR]), &target->address, 4) != 0)
        return NL_SKIP;
    if (nla_get_u16(dest[IPVS_DEST_ATTR_PORT]) != target->port)
        return NL_SKIP;
    target->weight = (long)nla_get_u32(dest[IPVS_DEST_ATTR_WEIGHT]);
    return NL_OK;
}

/* The target's weight now (-1 when it is not listed, -2 on a netlink error). */
static long current_weight(struct nl_sock *sock, int family, struct in_addr vip, uint16_t vport, struct target *target) {
    struct nl_msg *msg = nlmsg_alloc();
    if (!msg) return -2;
    genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_DUMP, IPVS_CMD_GET_DEST, IPVS_GENL_VERSION);
    struct nlattr *service = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
    unsigned char address[16] = {0};
    memcpy(address, &vip, 4);
    nla_put_u16(msg, IPVS_SVC_ATTR_AF, AF_INET);
    nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
    nla_put(msg, IPVS_SVC_ATTR_ADDR, sizeof address, address);
    nla_put_u16(msg, IPVS_SVC_ATTR_PORT, vport);
    nla_nest_end(msg, service);
    target->weight = -1;
    int sent = nl_send_auto(sock, msg);
    nlmsg_free(msg);
    if (sent < 0 || nl_recvmsgs_default(sock) < 0) return -2;
    return target->weight;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: %s PID VIP VPORT RIP RPORT WEIGHT TIMEOUT\n", argv[0]);
        return 2;
    }
    pid_t pid = (pid_t)atoi(argv[1]);
    struct in_addr vip;
    struct target target = {.weight = -1};
    if (inet_pton(AF_INET, argv[2], &vip) != 1 || inet_pton(AF_INET, argv[4], &target.address) != 1) {
        fprintf(stderr, "reload-probe: IPv4 addresses only\n");
        return 2;
    }
    uint16_t vport = htons((uint16_t)atoi(argv[3]));
    target.port = htons((uint16_t)atoi(argv[5]));
    long wanted = atol(argv[6]);
    double timeout = atof(argv[7]);

    struct nl_sock *sock = nl_socket_alloc();
    if (!sock || genl_connect(sock) < 0) {
        fprintf(stderr, "reload-probe: cannot open generic netlink\n");
        return 1;
    }
    int family = genl_ctrl_resolve(sock, IPVS_GENL_NAME);
    if (family < 0) {
        fprintf(stderr, "reload-probe: no IPVS generic netlink family\n");
        return 1;
    }
    nl_socket_modify_cb(sock, NL_CB_VALID, NL_CB_CUSTOM, on_destination, &target);

    double start = now();
    if (kill(pid, SIGHUP) != 0) {
        perror("reload-probe: kill");
        return 1;
    }
    while (now() - start < timeout) {
        long weight = current_weight(sock, family, vip, vport, &target);
        if (weight == wanted) {
            printf("%.4f\n", now() - start);
            return 0;
        }
        usleep(now() - start < 2 ? 1000 : 20000);
    }
    printf("failed\n");
    return 0;
}
