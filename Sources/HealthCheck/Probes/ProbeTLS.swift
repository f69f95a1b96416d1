import ConfParser
import NIOSSL

/// The TLS client context of SSL_GET checkers, from the top-level `SSL { }` block.
///
/// Like keepalived, the server's certificate is never verified (a health check wants to know the
/// service answers, not who it is); `certificate`/`key` (with `password`) give a client
/// certificate.
public enum ProbeTLS {
    /// Builds the client context; throws when a configured file cannot be read.
    public static func makeContext(ssl: SSLConfig?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        if let certificate = ssl?.certificate {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
        }
        if let keyFile = ssl?.key ?? (ssl?.certificate != nil ? ssl?.certificate : nil) {
            if let password = ssl?.password {
                let bytes = Array(password.utf8)
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem) { setter in
                    setter(bytes)
                })
            } else {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            }
        }
        return try NIOSSLContext(configuration: configuration)
    }
}
