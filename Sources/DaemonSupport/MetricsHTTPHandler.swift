import NIOCore
import NIOHTTP1

/// Answers one HTTP/1.1 connection: `GET`/`HEAD /metrics` with the exposition, 404 elsewhere,
/// 405 for other methods on `/metrics`.
///
/// Rendering runs on the connection's event loop; the metrics server has its own loop, so a slow
/// sample provider delays only scrapes.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The `Content-Type` of the Prometheus text format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let render: @Sendable () -> String
    private var request: HTTPRequestHead?

    init(render: @escaping @Sendable () -> String) {
        self.render = render
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let status: HTTPResponseStatus
        let body: String
        var headers = HTTPHeaders()
        if path != "/metrics" {
            (status, body) = (.notFound, "Not found; metrics are at /metrics\n")
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        } else if head.method != .GET && head.method != .HEAD {
            (status, body) = (.methodNotAllowed, "Use GET or HEAD\n")
            headers.add(name: "Allow", value: "GET, HEAD")
            headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        } else {
            (status, body) = (.ok, render())
            headers.add(name: "Content-Type", value: Self.contentType)
        }
        let bytes = ByteBuffer(string: body)
        headers.add(name: "Content-Length", value: String(bytes.readableBytes))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }

        let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
