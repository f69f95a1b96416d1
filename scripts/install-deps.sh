#!/usr/bin/env bash
# Installs what building and testing keepalivedd needs on Debian 12, idempotently:
# a second run checks each package with dpkg and installs nothing. apt-get update runs only
# when something is missing. Sources: Debian's archive, and PyPI for virtme-ng (the IPVS lab)
# and for pytest when the python3 on PATH has none. Swift is expected at /opt/swift (or on PATH).
set -euo pipefail

packages=(
    # libnl for the CNetlink system-library target (through pkg-config)
    libnl-3-dev libnl-route-3-dev libnl-genl-3-dev pkg-config
    # what the Swift toolchain needs to compile and link on Debian 12 (SwiftPM fetches with git)
    binutils git ca-certificates libc6-dev libgcc-12-dev libstdc++-12-dev zlib1g-dev
    libcurl4 libxml2 libedit2 libsqlite3-0 libncurses6 tzdata uuid-dev
    # the reference implementation for comparison tests, namespaces, benchmarks
    keepalived iproute2 hyperfine time
    # integration tests (systemd-analyze verify for the unit file; tshark decodes captured VRRP
    # adverts and gratuitous ARPs as a second opinion; util-linux's setpriv runs scripts as
    # script_user)
    python3 python3-pytest systemd tshark util-linux
)

# --- IPVS lab (Tests/Integration/lab) -----------------------------------------------------------
# This machine's kernel has no IPVS, so the lab boots Debian's packaged kernel (its modules include
# ip_vs) under QEMU emulation with virtme-ng (vng, from PyPI below), with ipvsadm as the oracle in the
# guest. vng needs a statically linked busybox for its initramfs (busybox-static replaces busybox).
packages+=(
    qemu-system-x86 linux-image-amd64 busybox-static ipvsadm kmod
)
# --- end of IPVS lab packages ---------------------------------------------------------------------

missing=()
for package in "${packages[@]}"; do
    if ! dpkg -s "$package" >/dev/null 2>&1; then
        missing+=("$package")
    fi
done

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "install-deps: missing Debian packages: ${missing[*]}" >&2
        echo "install-deps: run 'make deps' as root (or install them with apt-get)" >&2
        exit 1
    fi
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The python3 on PATH may not be Debian's (pyenv, venv): make sure *it* has pytest.
python=${PYTHON:-python3}
if ! "$python" -m pytest --version >/dev/null 2>&1; then
    echo "install-deps: $python has no pytest; installing it from PyPI"
    "$python" -m pip install --quiet pytest ||
        "$python" -m pip install --quiet --break-system-packages pytest
fi

# The SMTP alert test's mail server (Tests/Integration/test_smtp_alerts.py).
if ! "$python" -c 'import aiosmtpd' >/dev/null 2>&1; then
    echo "install-deps: $python has no aiosmtpd; installing it from PyPI for the SMTP alert test"
    "$python" -m pip install --quiet 'aiosmtpd==1.4.6' ||
        "$python" -m pip install --quiet --break-system-packages 'aiosmtpd==1.4.6'
fi

# --- IPVS lab: virtme-ng (not packaged for Debian 12) for the same python3; the version the lab was
# measured with. vmrun.py finds `vng` on PATH or next to this python.
if ! "$python" -c 'import virtme_ng' >/dev/null 2>&1; then
    echo "install-deps: $python has no virtme-ng; installing it from PyPI for the IPVS lab"
    "$python" -m pip install --quiet 'virtme-ng==1.42' ||
        "$python" -m pip install --quiet --break-system-packages 'virtme-ng==1.42'
fi
# --- end of IPVS lab ------------------------------------------------------------------------------

if ! command -v swift >/dev/null 2>&1 && [[ ! -x /opt/swift/usr/bin/swift ]]; then
    echo "install-deps: no Swift toolchain on PATH or at /opt/swift/usr/bin (Swift 6 is needed)" >&2
    exit 1
fi
