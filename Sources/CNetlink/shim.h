/* libnl-3 (pkg-config: libnl-3.0, libnl-route-3.0, libnl-genl-3.0). */
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
