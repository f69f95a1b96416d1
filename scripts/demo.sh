#!/usr/bin/env bash
# make demo: an LVS pair run by keepalivedd, narrated step by step, in the IPVS lab VM.
#
# This machine's kernel has no IPVS, so the demo boots Debian's kernel under QEMU emulation
# (virtme-ng, host file system shared; Tests/Integration/lab/vmrun.py) and runs scripts/demo-guest.sh
# in it: a client, two directors (keepalivedd MASTER and BACKUP, configs derived from CONFIG by
# scripts/demo-config.py) and two real web servers (DR), each in its own network namespace on one
# bridge. The guest narrates five steps (election, load balancing, a real server failing and
# returning, failover on SIGTERM with its time, preemption) and a summary table; the narration is
# streamed here as it happens.
#
#   scripts/demo.sh [KEEPALIVEDD [CONFIG]]      (defaults: .build/release/keepalivedd, etc/keepalived.conf.sample)
#
# Exits 0 only when every step happened (the guest prints "DEMO PASSED"), 1 when a step failed,
# 3 when the lab cannot boot here, 124 when the VM ran out of time (DEMO_TIMEOUT seconds, default 600).
# DEMO_LOG=FILE also writes the narration to FILE; DEMO_ARTIFACTS=DIR receives the directors' configs
# and logs (keepalivedd -l -D), the web servers' and the client's logs.
set -euo pipefail
cd "$(dirname "$0")/.."

keepalivedd=${1:-.build/release/keepalivedd}
config=${2:-etc/keepalived.conf.sample}
[[ -x $keepalivedd ]] || { echo "demo: no keepalivedd at $keepalivedd (build it first)" >&2; exit 2; }
[[ -f $config ]] || { echo "demo: no config at $config" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "demo: run as root (the lab VM needs it)" >&2; exit 2; }
keepalivedd=$(realpath "$keepalivedd")
config=$(realpath "$config")

echo "== make demo: keepalivedd $("$keepalivedd" --version 2>/dev/null | head -1) on $config"
echo "   booting the IPVS lab VM (Debian's kernel under QEMU emulation, no KVM; the boot takes 20-60 s)"

artifacts=""
if [[ -n ${DEMO_ARTIFACTS:-} ]]; then
    mkdir -p "$DEMO_ARTIFACTS"
    artifacts=$(realpath "$DEMO_ARTIFACTS")
fi
guest="bash $(printf %q "$PWD/scripts/demo-guest.sh") $(printf %q "$keepalivedd") $(printf %q "$config") $(printf %q "$artifacts")"
exec "${PYTHON:-python3}" - "$guest" "$artifacts" <<'EOF'
import os, signal, subprocess, sys, time
sys.path.insert(0, "Tests/Integration/lab")
import vmrun

guest = sys.argv[1]
timeout = float(os.environ.get("DEMO_TIMEOUT", "600"))
log = open(os.environ["DEMO_LOG"], "w") if os.environ.get("DEMO_LOG") else None
try:
    vmrun.check_host()
    argv = vmrun.vng_command(guest, rw_dirs=[sys.argv[2]] if sys.argv[2] else [])
except vmrun.LabUnavailable as error:
    print(f"demo: the IPVS lab cannot boot here: {error}", file=sys.stderr)
    sys.exit(3)

started = time.monotonic()
process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace", start_new_session=True)
killed = False


def kill_vm(*_: object) -> None:
    global killed
    killed = True
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


signal.signal(signal.SIGALRM, kill_vm)
signal.signal(signal.SIGINT, kill_vm)
signal.signal(signal.SIGTERM, kill_vm)
signal.setitimer(signal.ITIMER_REAL, timeout)
passed = False
assert process.stdout is not None
for raw in process.stdout:
    line = raw.replace("\r", "").rstrip()
    if not line and raw.strip("\r\n"):
        continue  # the console's padding (a line of spaces), not the narration's blank lines
    passed = passed or "DEMO PASSED" in line
    print(line, flush=True)
    if log:
        print(line, file=log, flush=True)
status = process.wait()
signal.setitimer(signal.ITIMER_REAL, 0)
seconds = time.monotonic() - started
if killed:
    print(f"demo: the VM was stopped after {seconds:.0f} s (DEMO_TIMEOUT={timeout:.0f})", file=sys.stderr)
    sys.exit(124)
if status == 0 and not passed:
    print("demo: the guest exited 0 without 'DEMO PASSED'", file=sys.stderr)
    status = 1
print(f"== make demo: {'passed' if status == 0 else f'FAILED (exit {status})'}; "
      f"{seconds:.0f} s wall time including the VM's boot and shutdown")
sys.exit(status)
EOF
