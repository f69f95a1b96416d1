/// DaemonSupport: what runs around the VRRP and health engines in the daemon process.
///
/// - syslog through swift-log under keepalived's identities and `-S` facility;
/// - systemd's notify protocol (READY, RELOADING, STOPPING, WATCHDOG) over `$NOTIFY_SOCKET`;
/// - SMTP alerts for VRRP transitions and real server changes;
/// - the `keepalivedd status` Unix socket, `/metrics` for Prometheus and keepalived's dump files.
public enum DaemonSupport {}
