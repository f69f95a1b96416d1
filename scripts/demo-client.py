#!/usr/bin/env python3
"""The `make demo` client (runs in the client's namespace in the lab VM): HTTP GETs through the VIP.

    demo-client.py count N URL          N requests, one line each: "ok <first line of the body>" or "fail <why>"
    demo-client.py loop URL STOPFILE    a request every 0.1 s until STOPFILE exists, one line each:
                                        "<microseconds since the epoch> ok <body>" or "<usec> fail <why>"

Each request is a new TCP connection (so IPVS schedules each one) and may take 1 s at most. One Python
process does all the requests: starting a program per request is slow under emulation.
"""

from __future__ import annotations

import http.client
import os
import sys
import time
from urllib.parse import urlsplit

TIMEOUT = 1.0


def get(url: str) -> str:
    """'ok <first line of the body>' or 'fail <reason>'."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=TIMEOUT)
    try:
        connection.request("GET", parts.path or "/", headers={"Connection": "close"})
        response = connection.getresponse()
        body = response.read().decode(errors="replace").strip().splitlines()
        if response.status != 200:
            return f"fail HTTP {response.status}"
        return f"ok {body[0] if body else ''}"
    except (OSError, http.client.HTTPException) as error:
        return f"fail {type(error).__name__}: {error}"
    finally:
        connection.close()


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[1] == "count":
        for _ in range(int(argv[2])):
            print(get(argv[3]), flush=True)
        return 0
    if len(argv) == 4 and argv[1] == "loop":
        url, stop = argv[2], argv[3]
        while not os.path.exists(stop):
            started = time.time_ns() // 1000
            print(f"{started} {get(url)}", flush=True)
            time.sleep(0.1)
        return 0
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
