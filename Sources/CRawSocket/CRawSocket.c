#include "CRawSocket.h"

int kad_interface_exists(const char *name) {
    return if_nametoindex(name) != 0;
}
