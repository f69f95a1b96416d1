import ConfParser
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Where and how a connecting checker (TCP_CHECK, HTTP_GET, SSL_GET) connects: keepalived's
/// connection options with the defaults ConfParser already resolved.
public struct ProbeEndpoint: Sendable, Equatable {
    /// The real server as keepalived names it in log lines: `[RIP]:tcp:PORT` (the real server's
    /// address and port, not `connect_ip`).
    public var label: ServiceLabel
    /// `connect_ip` (default: the real server's address).
    public var connectIP: IPAddress
    /// `connect_port` (default: the real server's port).
    public var connectPort: UInt16
    /// `connect_timeout`.
    public var timeout: TimeAmount
    /// `bindto`, `bind_port` and `fwmark`, seldom written: one word for the three when none is
    /// (the engine keeps one endpoint per checker, 10,000 of them in a large configuration).
    private var binding: ImmutableBox<Binding>?

    /// The seldom-written options.
    private struct Binding: Sendable, Equatable {
        var address: IPAddress?
        var port: UInt16?
        var fwmark: UInt32?
    }

    /// `bindto`; with only `bind_port`, the wildcard address of the connect address's family.
    public var bindIP: IPAddress? {
        get { binding?.value.address }
        set { rebind { $0.address = newValue } }
    }

    /// `bind_port`.
    public var bindPort: UInt16? {
        get { binding?.value.port }
        set { rebind { $0.port = newValue } }
    }

    /// `fwmark`: SO_MARK on the checker's socket.
    public var fwmark: UInt32? {
        get { binding?.value.fwmark }
        set { rebind { $0.fwmark = newValue } }
    }

    public init(label: ServiceLabel, connectIP: IPAddress, connectPort: UInt16, bindIP: IPAddress? = nil,
                bindPort: UInt16? = nil, fwmark: UInt32? = nil, timeout: TimeAmount) {
        self.label = label
        self.connectIP = connectIP
        self.connectPort = connectPort
        self.timeout = timeout
        rebind { $0 = Binding(address: bindIP, port: bindPort, fwmark: fwmark) }
    }

    /// Changes the options in a new box; none left, no box.
    private mutating func rebind(_ change: (inout Binding) -> Void) {
        var options = binding?.value ?? Binding()
        change(&options)
        binding = options == Binding() ? nil : ImmutableBox(options)
    }

    /// The endpoint of `checker`, a checker of `realServer` in `virtualServer`.
    public init(checker: Checker, realServer: RealServer, virtualServer: VirtualServer) {
        self.init(label: ServiceLabel(realServer.address, virtualServer.protocol, realServer.port),
                  connectIP: checker.connectIP ?? realServer.address,
                  connectPort: checker.connectPort ?? realServer.port,
                  bindIP: checker.bindTo, bindPort: checker.bindPort, fwmark: checker.fwmark,
                  timeout: .nanoseconds(Int64(max(checker.connectTimeout, 0.001) * 1_000_000_000)))
    }

    /// The address to connect to.
    func connectAddress() throws -> SocketAddress {
        try SocketAddress(ipAddress: connectIP.description, port: Int(connectPort))
    }

    /// The local address to bind before connecting, nil to let the kernel choose.
    func bindAddress() throws -> SocketAddress? {
        guard bindIP != nil || bindPort != nil else { return nil }
        let wildcard = connectIP.isIPv6 ? "::" : "0.0.0.0"
        return try SocketAddress(ipAddress: bindIP?.description ?? wildcard, port: Int(bindPort ?? 0))
    }

    /// A bootstrap on `eventLoop` with the endpoint's bind address, mark and timeout.
    func bootstrap(on eventLoop: any EventLoop) throws -> ClientBootstrap {
        var bootstrap = ClientBootstrap(group: eventLoop).connectTimeout(timeout)
        if let bind = try bindAddress() {
            bootstrap = bootstrap.channelOption(.socketOption(.so_reuseaddr), value: 1).bind(to: bind)
        }
        if let fwmark {
            let option = ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: CInt(SO_MARK)))
            bootstrap = bootstrap.channelOption(option, value: SocketOptionValue(truncatingIfNeeded: fwmark))
        }
        return bootstrap
    }
}

/// Why a connection could not be made, in keepalived's categories.
enum ProbeConnectFailure: Sendable, Equatable {
    /// `connect_timeout` ran out.
    case timeout
    /// The connection was refused or failed (SO_ERROR set).
    case error
    /// connect() failed at once: network or host unreachable.
    case unreachable
    /// The `bindto` address could not be bound.
    case bind

    init(_ error: any Error) {
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            self = .timeout
            return
        }
        if let ioError = error as? IOError {
            switch ioError.errnoCode {
            case ENETUNREACH, EHOSTUNREACH: self = .unreachable
            case EADDRNOTAVAIL, EADDRINUSE: self = .bind
            default: self = .error
            }
            return
        }
        self = .error
    }
}
