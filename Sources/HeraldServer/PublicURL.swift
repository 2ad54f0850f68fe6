import HTTPTypes
import HeraldCore
import HeraldFormats
import Hummingbird

/// The address clients use to reach Herald, for the URLs inside answers.
///
/// `--public-url` wins; otherwise it is built from the request's `X-Forwarded-Proto`,
/// `X-Forwarded-Host` or `Host`, each checked so a forged header cannot inject text into a URL.
struct PublicURL: Sendable {
    let base: String

    init(configured: String?, request: Request) {
        self.init(configured: configured, head: request.head)
    }

    init(configured: String?, head: HTTPRequest) {
        self.init(
            configured: configured, forwardedProto: head.headerFields[Self.forwardedProto], forwardedHost: head.headerFields[Self.forwardedHost],
            host: head.authority)
    }

    /// From the values of `X-Forwarded-Proto`, `X-Forwarded-Host` and `Host`, as sent.
    init(configured: String?, forwardedProto: String?, forwardedHost: String?, host: String?) {
        if let configured, !configured.isEmpty {
            base = configured.hasSuffix("/") ? String(configured.dropLast()) : configured
            return
        }
        let proto = forwardedProto?.split(separator: ",").first.map { $0.trimmingWhitespace().lowercased() }
        let scheme = proto == "https" ? "https" : "http"
        let forwardedHost = forwardedHost?.split(separator: ",").first.map { $0.trimmingWhitespace() }
        let host = [forwardedHost, host]
            .compactMap { $0 }
            .first(where: Self.isPlausibleHost) ?? "localhost"
        base = "\(scheme)://\(host)"
    }

    private static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    private static let forwardedHost = HTTPField.Name("X-Forwarded-Host")!

    /// Letters, digits, dots, dashes, a port and IPv6 brackets; nothing that could end a URL's host.
    private static func isPlausibleHost(_ host: String) -> Bool {
        !host.isEmpty && host.utf8.count <= 255
            && host.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
                    true
                default: false
                }
            }
    }

    /// Immutable: by the file's hash.
    func persistentDownload(of build: Build) -> String {
        "\(base)/file/\(build.hash)/\(build.fileName)"
    }

    /// By product and version: the newest upload of that version.
    func download(of build: Build) -> String {
        "\(base)/download/\(build.product)/\(build.version)/\(build.fileName)"
    }

    /// A build's file for one platform, by the build's hash.
    func download(of artifact: Artifact) -> String {
        "\(base)/artifact/\(artifact.build)/\(artifact.platform)/\(artifact.fileName)"
    }
}
