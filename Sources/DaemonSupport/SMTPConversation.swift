/// One SMTP reply: its three-digit code and the text of each of its lines.
public struct SMTPReply: Sendable, Equatable {
    public var code: Int
    public var lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }
}

/// Gathers reply lines (`250-first`, `250-more`, `250 last`) into whole replies (RFC 5321 4.2.1).
public struct SMTPReplyParser: Sendable {
    /// A reply longer than this is taken as a broken server.
    public static let maximumLines = 100
    private var pending: SMTPReply?

    public init() {}

    /// Takes one line (without its line end); returns the reply it completes, if any.
    public mutating func consume(_ line: String) throws(SMTPError) -> SMTPReply? {
        let characters = Array(line.utf8)
        guard characters.count >= 3, characters[0..<3].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .malformedReply(line)
        }
        let code = characters[0..<3].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let separator = characters.count > 3 ? characters[3] : UInt8(ascii: " ")
        guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else { throw .malformedReply(line) }
        let text = characters.count > 4 ? String(decoding: characters[4...], as: UTF8.self) : ""
        var reply = pending ?? SMTPReply(code: code, lines: [])
        guard reply.code == code, reply.lines.count < SMTPReplyParser.maximumLines else { throw .malformedReply(line) }
        reply.lines.append(text)
        if separator == UInt8(ascii: "-") {
            pending = reply
            return nil
        }
        pending = nil
        return reply
    }
}

/// The steps of keepalived's SMTP exchange, named as its log lines name them.
public enum SMTPStage: String, Sendable, Equatable {
    case greeting = "connect"
    case helo = "HELO"
    case mail = "MAIL"
    case rcpt = "RCPT"
    case data = "DATA"
    case dot = "DOT"
    case quit = "QUIT"
}

/// The client side of one SMTP exchange as a pure state machine: feed it the server's lines, perform
/// the actions it returns. keepalived's sequence: greeting 220, `HELO name` 250, `MAIL FROM:<from>`
/// 250, `RCPT TO:<to>` 250/251 per recipient, `DATA` 354, the dot-stuffed message and `.` 250,
/// `QUIT` 221. Any other reply fails the exchange, which still ends with `QUIT`.
public struct SMTPConversation: Sendable {
    /// What the shell does next.
    public enum Action: Sendable, Equatable {
        /// Write these lines, each followed by CRLF.
        case send([String])
        /// The server took the message (logged as sent; QUIT follows).
        case delivered
        /// The exchange failed; log it (QUIT may follow).
        case failed(SMTPError)
        /// Close the connection: the exchange is over.
        case close
    }

    private enum State: Sendable, Equatable {
        case awaiting(SMTPStage, recipient: Int)
        case done
    }

    private let heloName: String
    private let message: SMTPMessage
    private var state = State.awaiting(.greeting, recipient: 0)
    private var parser = SMTPReplyParser()

    /// An exchange that sends `message`, introducing this host as `heloName`.
    public init(heloName: String, message: SMTPMessage) {
        self.heloName = heloName
        self.message = message
    }

    /// Whether the exchange has ended (after `.close`).
    public var isFinished: Bool { state == .done }

    /// Takes one line from the server (without its line end).
    public mutating func receive(line: String) -> [Action] {
        guard case .awaiting(let stage, let recipient) = state else { return [] }
        let reply: SMTPReply
        do {
            guard let complete = try parser.consume(line) else { return [] }
            reply = complete
        } catch {
            state = .done
            return [.failed(error), .close]
        }
        return handle(reply, at: stage, recipient: recipient)
    }

    /// The server closed the connection.
    public mutating func connectionClosed() -> [Action] {
        guard case .awaiting(let stage, _) = state else { return [] }
        state = .done
        return stage == .quit ? [.close] : [.failed(.connectionClosed), .close]
    }

    private mutating func handle(_ reply: SMTPReply, at stage: SMTPStage, recipient: Int) -> [Action] {
        if stage == .quit {
            state = .done
            return [.close]
        }
        guard SMTPConversation.accepts(stage, reply.code) else {
            return fail(.rejected(stage, code: reply.code))
        }
        switch stage {
        case .greeting:
            return next(.helo, sending: ["HELO \(heloName)"])
        case .helo:
            return next(.mail, sending: ["MAIL FROM:<\(message.envelopeFrom)>"])
        case .mail, .rcpt:
            let index = stage == .mail ? 0 : recipient + 1
            guard index < message.recipients.count else {
                return next(.data, sending: ["DATA"])
            }
            let address = SMTPMessage.bareAddress(message.recipients[index])
            state = .awaiting(.rcpt, recipient: index)
            return [.send(["RCPT TO:<\(address)>"])]
        case .data:
            return next(.dot, sending: SMTPConversation.dotStuffed(message.lines) + ["."])
        case .dot:
            return [.delivered] + next(.quit, sending: ["QUIT"])
        case .quit:
            return [.close]
        }
    }

    private mutating func next(_ stage: SMTPStage, sending lines: [String]) -> [Action] {
        state = .awaiting(stage, recipient: 0)
        return [.send(lines)]
    }

    private mutating func fail(_ error: SMTPError) -> [Action] {
        state = .awaiting(.quit, recipient: 0)
        return [.failed(error), .send(["QUIT"])]
    }

    private static func accepts(_ stage: SMTPStage, _ code: Int) -> Bool {
        switch stage {
        case .greeting: return code == 220
        case .helo, .mail, .dot: return code == 250
        case .rcpt: return code == 250 || code == 251
        case .data: return code == 354
        case .quit: return true
        }
    }

    /// RFC 5321 4.5.2: a line starting with "." gets one more.
    static func dotStuffed(_ lines: [String]) -> [String] {
        lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }
    }
}

/// Why an alert was not sent; `logLine(server:)` words it as keepalived logs it.
public enum SMTPError: Error, Sendable, Equatable {
    /// The server answered a step with an unexpected code.
    case rejected(SMTPStage, code: Int)
    /// A reply line that is not `DDD[ -]text`.
    case malformedReply(String)
    /// The TCP connection could not be made (the system's reason).
    case connectFailed(String)
    /// No connection within `smtp_connect_timeout`.
    case connectTimeout
    /// No reply within the time allowed.
    case readTimeout
    /// The server closed the connection before the exchange ended.
    case connectionClosed
    /// Writing to the server failed.
    case writeFailed(String)

    /// The log line, naming the server as `[127.0.0.1]:25`.
    public func logLine(server: String) -> String {
        switch self {
        case .rejected(.greeting, let code):
            return "Error connecting SMTP server \(server). SMTP status code = \(code)"
        case .rejected(let stage, let code):
            return "Error processing \(stage.rawValue) cmd on SMTP server \(server). SMTP status code = \(code)"
        case .malformedReply(let line):
            return "Error reading data from remote SMTP server \(server). Invalid reply: \(line.prefix(80))"
        case .connectFailed(let reason):
            return "Error connecting SMTP server \(server): \(reason)"
        case .connectTimeout:
            return "Timeout connecting SMTP server \(server)."
        case .readTimeout:
            return "Timeout reading data to remote SMTP server \(server)."
        case .connectionClosed:
            return "Remote SMTP server \(server) closed the connection."
        case .writeFailed(let reason):
            return "Can not send data to remote SMTP server \(server): \(reason)"
        }
    }
}
