"""SMTP alerts end to end: keepalivedd -P in a network namespace becomes MASTER and mails an aiosmtpd
server listening on 127.0.0.1 inside the same namespace, for an instance and for a sync group. The expected
mails are what keepalived 2.2.7 sends for the same configuration (checked against the real daemon in a
namespace). Quorum and real server mails are compared with keepalived's in the lab (test_lab_health.py).

Needs root (namespaces) and aiosmtpd (`pip install aiosmtpd`). The SMTP server runs as
`python3 test_smtp_alerts.py --serve PORT FILE` inside the namespace and appends each envelope it
receives to FILE as one JSON line.
"""

from __future__ import annotations

import json
import os
import shutil
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


SYNC_GROUP_CONFIG = CONFIG.replace("vrrp_instance VI_1", """vrrp_sync_group G1 {
    group {
        VI_1
        VI_2
    }
}

vrrp_instance VI_2 {
    interface eth1
    state BACKUP
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.2/32
    }
}

vrrp_instance VI_1""", 1)


def _mailed(daemon_path: Path, tmp_path: Path, config: str, subjects: list[str],
            settle: float = 0) -> tuple[dict[str, dict], str]:
    """Runs `daemon_path` (keepalivedd or keepalived) -P with `config` in a namespace beside an aiosmtpd server
    until a mail with each of `subjects` arrived (at most 20 s), then `settle` seconds more for mails still in
    flight; returns those mails by subject and the log. Everything mailed is in tmp_path/mails.jsonl."""
    require_root("the SMTP alert test (network namespace)")
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        pytest.fail("aiosmtpd is missing: `pip install aiosmtpd` (scripts/install-deps.sh should install it)")

    mailbox = tmp_path / "mails.jsonl"
    conf = tmp_path / "keepalived.conf"
    conf.write_text(config)
    daemon_log = tmp_path / f"{daemon_path.name}.log"
    netns = f"kdsmtp{os.getpid()}"
    sink = daemon = None
    with network_namespace(netns):
        subprocess.run(["ip", "-n", netns, "addr", "add", "192.0.2.100/24", "dev", "eth0"], check=True)
        subprocess.run(["ip", "-n", netns, "addr", "add", "198.51.100.100/24", "dev", "eth1"], check=True)
        try:
            sink = subprocess.Popen(
                ["ip", "netns", "exec", netns, sys.executable, __file__, "--serve", str(SMTP_PORT), str(mailbox)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            assert sink.stdout is not None
            ready = sink.stdout.readline().decode().strip()
            assert ready == "ready", f"aiosmtpd did not start: {ready} {sink.stdout.read().decode()}"

            with daemon_log.open("ab") as log:
                daemon = subprocess.Popen(
                    ["ip", "netns", "exec", netns, str(daemon_path), "-P", "-n", "-l", "-D", "-f", str(conf),
                     "-p", str(tmp_path / "keepalived.pid"), "-r", str(tmp_path / "vrrp.pid")],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

            deadline = time.monotonic() + 20
            found: dict[str, dict] = {}
            while time.monotonic() < deadline and len(found) < len(subjects):
                for mail in _mails(mailbox):
                    subject = Parser().parsestr(mail["content"])["Subject"]
                    if subject in subjects:
                        found.setdefault(subject, mail)
                if daemon.poll() is not None:
                    break
                time.sleep(0.25)
            log_text = daemon_log.read_text(errors="replace")
            missing = [subject for subject in subjects if subject not in found]
            assert not missing, (
                f"no mail with Subject {missing!r} within 20 s from {daemon_path.name}; mails: {_mails(mailbox)}\n"
                f"--- log:\n{log_text}")
            time.sleep(settle)
            return found, log_text
        finally:
            _stop(daemon)
            _stop(sink)


def test_master_transition_is_mailed(keepalivedd: Path, tmp_path: Path) -> None:
    subject = f"[{ROUTER_ID}] VRRP Instance VI_1 - Entering MASTER state"
    found, log_text = _mailed(keepalivedd, tmp_path, CONFIG, [subject])
    mail = found[subject]
    headers = Parser().parsestr(mail["content"])
    assert mail["mail_from"] == "kd@example.com"
    assert mail["rcpt_tos"] == ["ops@example.com"]
    assert headers["From"] == "kd@example.com"
    assert headers["To"] == "ops@example.com"
    assert headers["X-Mailer"] == "Keepalived"
    assert headers["Date"], "no Date header"
    assert headers.get_payload().strip() == "=> VRRP Instance is now owning VRRP VIPs <="
    assert "Remote SMTP server [127.0.0.1]:2525 connected." in log_text
    assert "SMTP alert successfully sent." in log_text


def _texts(path: Path) -> list[tuple[str, str]]:
    """Subject and body of every mail in a mailbox, sorted (mails are sent concurrently)."""
    texts = []
    for mail in _mails(path):
        message = Parser().parsestr(mail["content"])
        texts.append((message["Subject"], message.get_payload().strip()))
    return sorted(texts)


def test_sync_group_mails_match_keepalived(keepalivedd: Path, tmp_path: Path) -> None:
    """A sync group of two instances becoming MASTER: keepalivedd sends the mails keepalived sends for the same
    configuration (global smtp_alert covers the group and its members): the group's BACKUP at start, each
    member's BACKUP and MASTER, and the group's MASTER."""
    reference = shutil.which("keepalived") or "/usr/sbin/keepalived"
    if not os.access(reference, os.X_OK):
        pytest.fail("keepalived (the reference) is not installed: run `make deps`")
    group_master = f"[{ROUTER_ID}] VRRP Group G1 - Entering MASTER state"
    members = [f"[{ROUTER_ID}] VRRP Instance {name} - Entering MASTER state" for name in ("VI_1", "VI_2")]
    expected_subjects = [group_master, *members]
    runs = {}
    for name, binary in (("keepalived", Path(reference)), ("keepalivedd", keepalivedd)):
        workdir = tmp_path / name
        workdir.mkdir()
        # The group's MASTER mail comes last; a moment for any mail still in flight.
        _, log_text = _mailed(binary, workdir, SYNC_GROUP_CONFIG, expected_subjects, settle=1)
        runs[name] = (_texts(workdir / "mails.jsonl"), log_text)
    assert runs["keepalived"][0] == runs["keepalivedd"][0], (
        f"keepalived mailed {runs['keepalived'][0]}\nkeepalivedd mailed {runs['keepalivedd'][0]}\n"
        f"--- keepalivedd log:\n{runs['keepalivedd'][1]}")
    assert (f"[{ROUTER_ID}] VRRP Group G1 - Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=") in runs["keepalivedd"][0]
    assert (group_master, "=> All VRRP group instances are now in MASTER state <=") in runs["keepalivedd"][0]


if __name__ == "__main__" and len(sys.argv) == 4 and sys.argv[1] == "--serve":
    serve(int(sys.argv[2]), Path(sys.argv[3]))
