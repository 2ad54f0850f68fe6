import NIOCore
import NIOHTTP1

/// Who may say, in `X-Forwarded-Host` and `X-Forwarded-Proto`, which address clients used to
/// reach Herald: a reverse proxy in front of it. Believed from anyone, the headers would let
/// any client choose the host of the download URLs in answers, and poison a shared cache.
struct ForwardedHeaders: Sendable {
    /// The addresses of the proxies in front of Herald (`--trusted-proxy`), as NIO spells a peer's.
    let trustedProxies: Set<String>
    /// With `--public-url`, answers never use the headers.
    let publicURLConfigured: Bool

    init(trustedProxies: [String], publicURLConfigured: Bool) {
        self.trustedProxies = Set(trustedProxies.compactMap { try? SocketAddress(ipAddress: $0, port: 0).ipAddress })
        self.publicURLConfigured = publicURLConfigured
    }

    /// A trusted proxy; or, when neither `--trusted-proxy` nor `--public-url` is given, a peer
    /// on this machine (a proxy beside Herald, or the vendor's own curl).
    func trusts(peer: SocketAddress?) -> Bool {
        guard let peer else { return false }
        guard let address = peer.ipAddress else {
            // A Unix socket: only this machine can connect.
            return trustedProxies.isEmpty && !publicURLConfigured
        }
        // An IPv4 proxy reaching a server listening on `::` has a v4-mapped address.
        let unmapped = address.hasPrefix("::ffff:") && address.contains(".") ? String(address.dropFirst(7)) : address
        if trustedProxies.contains(address) || trustedProxies.contains(unmapped) { return true }
        return trustedProxies.isEmpty && !publicURLConfigured && Self.isLoopback(address)
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }

    /// Removes the forwarded headers; true when there were any.
    static func strip(from headers: inout HTTPHeaders) -> Bool {
        guard headers.contains(name: "x-forwarded-host") || headers.contains(name: "x-forwarded-proto") else { return false }
        headers.remove(name: "x-forwarded-host")
        headers.remove(name: "x-forwarded-proto")
        return true
    }
}
