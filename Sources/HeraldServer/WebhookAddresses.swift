#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOPosix

/// Where a webhook may be sent. By default not to this machine or a private network: a token
/// holder could otherwise make Herald POST to services behind its firewall and read, from the
/// delivery log, which ports answer. An operator whose receivers are inside turns that off
/// (`--webhook-allow-private-networks`).
enum WebhookAddresses {
    /// Whether `host` (a name or a literal address) is this machine or on a private,
    /// link-local, shared or multicast network: by its literal form only, no lookup.
    static func isPrivateLiteral(_ host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: ["[", "]"])
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        if let bytes = ipv4(name) { return isPrivate(ipv4: bytes) }
        if let bytes = ipv6(name) { return isPrivate(ipv6: bytes) }
        return false
    }

    /// Whether any address `host` resolves to is private: looked up off the event loops.
    static func resolvesToPrivate(_ host: String) async throws -> Bool {
        if isPrivateLiteral(host) { return true }
        let name = host.trimmingCharacters(in: ["[", "]"])
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return false }
            defer { freeaddrinfo(first) }
            var entry: UnsafeMutablePointer<addrinfo>? = first
            while let current = entry {
                if let address = current.pointee.ai_addr {
                    if current.pointee.ai_family == AF_INET {
                        let raw = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                        let value = UInt32(bigEndian: raw)
                        if isPrivate(ipv4: [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]) { return true }
                    } else if current.pointee.ai_family == AF_INET6 {
                        let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                            withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                        }
                        if isPrivate(ipv6: bytes) { return true }
                    }
                }
                entry = current.pointee.ai_next
            }
            return false
        }
    }

    private static func isPrivate(ipv4 b: [UInt8]) -> Bool {
        b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 100 && b[1] & 0xc0 == 64) || (b[0] == 169 && b[1] == 254)
            || (b[0] == 172 && b[1] & 0xf0 == 16) || (b[0] == 192 && b[1] == 168) || b[0] >= 224
    }

    private static func isPrivate(ipv6 b: [UInt8]) -> Bool {
        if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xff, b[11] == 0xff { return isPrivate(ipv4: Array(b[12..<16])) }
        if b[0..<15].allSatisfy({ $0 == 0 }), b[15] <= 1 { return true }
        return b[0] & 0xfe == 0xfc || (b[0] == 0xfe && b[1] & 0xc0 == 0x80) || b[0] == 0xff
    }

    private static func ipv4(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        let value = UInt32(bigEndian: address.s_addr)
        return [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: address) { Array($0) }
    }
}
