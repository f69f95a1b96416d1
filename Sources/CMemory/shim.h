#include <malloc.h>
#include <sys/prctl.h>

/* prctl is variadic, which Swift cannot call: no transparent huge pages for this process. */
static inline int kad_disable_transparent_huge_pages(void) {
    return prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
}
