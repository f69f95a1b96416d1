#!/usr/bin/env python3
"""Lists which pages of a process's executable are resident (root: reads /proc/PID/pagemap).

Used by the health bench in the lab VM to see what the binary's share of RSS is made of:
    resident-pages.py PID > OUT/pages.txt
Each line: PERMISSIONS ELF_ADDRESS (hex, the address less the load base, as `nm` prints it).
"""
import os
import struct
import sys


def main() -> None:
    pid = sys.argv[1]
    exe = os.path.realpath(f"/proc/{pid}/exe")
    mappings = []
    for line in open(f"/proc/{pid}/maps"):
        fields = line.split()
        if len(fields) >= 6 and fields[5] == exe:
            start, end = (int(x, 16) for x in fields[0].split("-"))
            mappings.append((start, end, fields[1], int(fields[2], 16)))
    base = min(start - offset for start, _, _, offset in mappings)
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for start, end, permissions, _ in mappings:
            pages = (end - start) // 4096
            pagemap.seek(start // 4096 * 8)
            entries = struct.unpack(f"{pages}Q", pagemap.read(pages * 8))
            for index, entry in enumerate(entries):
                if entry >> 63:
                    print(permissions, hex(start + index * 4096 - base))


if __name__ == "__main__":
    main()
