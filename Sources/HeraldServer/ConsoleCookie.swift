import HTTPTypes
import Hummingbird
import NIOHTTP1

/// The console's session cookie and the checks that keep another site from acting with it.
enum ConsoleCookie {
    static let name = "herald_session"
    /// The header a console page's script sends a change's CSRF token in.
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    /// Set by the connection handler to the peer's address, in place of any a client sent.
    static let peerHeader = "x-herald-peer"

    /// The session secret the request's cookie carries, if any.
    static func secret(in headers: HTTPFields) -> String? {
        for field in headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// The `Set-Cookie` of a new session: HttpOnly, SameSite=Strict, Secure behind https.
    static func setting(_ secret: String, secure: Bool) -> String {
        "\(name)=\(secret); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(ConsoleSessionLifetime.seconds)" + (secure ? "; Secure" : "")
    }

    /// The `Set-Cookie` that removes it.
    static func clearing(secure: Bool) -> String {
        "\(name)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" + (secure ? "; Secure" : "")
    }

    static func isChange(_ method: HTTPRequest.Method) -> Bool {
        method != .get && method != .head && method != .options
    }

    /// False when the browser says the request came from a page of another origin: an
    /// `Origin` whose host is neither the one the request was sent to nor, behind a trusted
    /// proxy, the one the proxy was asked for (`X-Forwarded-Host`; an untrusted peer's is
    /// removed before routing), or `Sec-Fetch-Site` other than same-origin. (Clients that send
    /// neither are not browsers, and a cross-site page cannot make a browser omit both.)
    static func isSameOrigin(_ request: Request) -> Bool {
        if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!], site != "same-origin", site != "none" { return false }
        guard let origin = request.headers[HTTPField.Name("Origin")!] else { return true }
        let withoutScheme = origin.split(separator: "://", maxSplits: 1)
        guard withoutScheme.count == 2 else { return false }
        let hosts = [request.head.authority, request.headers[HTTPField.Name("Host")!], request.headers[HTTPField.Name("X-Forwarded-Host")!]]
        return hosts.contains { $0?.lowercased() == withoutScheme[1].lowercased() }
    }

    /// Where the request came from, for the audit log.
    static func peer(of request: Request) -> String {
        request.headers[HTTPField.Name(peerHeader)!] ?? "unknown"
    }
}

/// How long the cookie lasts in the browser: the session's absolute lifetime.
enum ConsoleSessionLifetime {
    static let seconds = 12 * 3600
}
