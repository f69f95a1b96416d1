"""SMTP alerts end to end: keepalivedd -P in a network namespace becomes MASTER and mails an aiosmtpd
server listening on 127.0.0.1 inside the same namespace.

NOTE: this test passes only once the SMTP alerter (Sources/DaemonSupport/SMTPAlerter.swift) is wired
into the VRRP daemon's state changes. The expected mail is what keepalived 2.2.7 sends for the same
configuration (checked against the real daemon in a namespace).

Needs root (namespaces) and aiosmtpd (`pip install aiosmtpd`). The SMTP server runs as
`python3 test_smtp_alerts.py --serve PORT FILE` inside the namespace and appends each envelope it
receives to FILE as one JSON line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from email.parser import Parser
from pathlib import Path

import pytest

from support import network_namespace, require_root

SMTP_PORT = 2525
ROUTER_ID = "test_rid"


def serve(port: int, out: Path) -> None:
    """The SMTP server: aiosmtpd's Controller with a handler storing envelopes."""
    from aiosmtpd.controller import Controller

    class StoreEnvelopes:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            record = {
                "helo": session.host_name,
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "content": envelope.original_content.decode("utf-8", "replace"),
            }
            with out.open("a") as stream:
                stream.write(json.dumps(record) + "\n")
            return "250 Message accepted for delivery"

    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)  # before the server thread starts
    controller = Controller(StoreEnvelopes(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    signal.sigwait(stop_signals)
    controller.stop()


CONFIG = f"""
global_defs {{
    router_id {ROUTER_ID}
    notification_email {{
        ops@example.com
    }}
    notification_email_from kd@example.com
    smtp_server 127.0.0.1 {SMTP_PORT}
    smtp_connect_timeout 5
    smtp_alert
}}

vrrp_instance VI_1 {{
    interface eth0
    state BACKUP
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {{
        192.0.2.1/32
    }}
}}
"""


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _mails(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_master_transition_is_mailed(keepalivedd: Path, tmp_path: Path) -> None:
    require_root("the SMTP alert test (network namespace)")
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        pytest.fail("aiosmtpd is missing: `pip install aiosmtpd` (scripts/install-deps.sh should install it)")

    mailbox = tmp_path / "mails.jsonl"
    conf = tmp_path / "keepalived.conf"
    conf.write_text(CONFIG)
    daemon_log = tmp_path / "keepalivedd.log"
    netns = f"kdsmtp{os.getpid()}"
    sink = daemon = None
    with network_namespace(netns):
        subprocess.run(["ip", "-n", netns, "addr", "add", "192.0.2.100/24", "dev", "eth0"], check=True)
        try:
            sink = subprocess.Popen(
                ["ip", "netns", "exec", netns, sys.executable, __file__, "--serve", str(SMTP_PORT), str(mailbox)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            assert sink.stdout is not None
            ready = sink.stdout.readline().decode().strip()
            assert ready == "ready", f"aiosmtpd did not start: {ready} {sink.stdout.read().decode()}"

            with daemon_log.open("ab") as log:
                daemon = subprocess.Popen(
                    ["ip", "netns", "exec", netns, str(keepalivedd), "-P", "-n", "-l", "-D", "-f", str(conf),
                     "-p", str(tmp_path / "keepalived.pid"), "-r", str(tmp_path / "vrrp.pid")],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

            subject = f"[{ROUTER_ID}] VRRP Instance VI_1 - Entering MASTER state"
            deadline = time.monotonic() + 20
            found = None
            while time.monotonic() < deadline and found is None:
                for mail in _mails(mailbox):
                    if Parser().parsestr(mail["content"])["Subject"] == subject:
                        found = mail
                if daemon.poll() is not None:
                    break
                time.sleep(0.25)
            log_text = daemon_log.read_text(errors="replace")
            assert found is not None, (
                f"no mail with Subject {subject!r} within 20 s; mails: {_mails(mailbox)}\n"
                f"--- keepalivedd log:\n{log_text}")

            headers = Parser().parsestr(found["content"])
            assert found["mail_from"] == "kd@example.com"
            assert found["rcpt_tos"] == ["ops@example.com"]
            assert headers["From"] == "kd@example.com"
            assert headers["To"] == "ops@example.com"
            assert headers["X-Mailer"] == "Keepalived"
            assert headers["Date"], "no Date header"
            assert headers.get_payload().strip() == "=> VRRP Instance is now owning VRRP VIPs <="
            assert "Remote SMTP server [127.0.0.1]:2525 connected." in log_text
            assert "SMTP alert successfully sent." in log_text
        finally:
            _stop(daemon)
            _stop(sink)


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--serve":
    serve(int(sys.argv[2]), Path(sys.argv[3]))
