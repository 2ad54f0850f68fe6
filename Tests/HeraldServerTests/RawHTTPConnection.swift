import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to the test server, for what an HTTP client library hides: several
/// requests written at once (HTTP/1.1 pipelining) and the answers read back in order.
struct RawHTTPConnection {
    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Writes `requests` in one write, then reads until the server closes the connection; the
    /// last request should carry `Connection: close`.
    ///
    /// The blocking socket calls run on a thread of their own: on the few threads of Swift's
    /// concurrency pool, two of them at once would starve the server's own tasks.
    static func exchange(port: Int, requests: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try blockingExchange(port: port, requests: requests) }) }.start()
        }
    }

    private static func blockingExchange(port: Int, requests: [String]) throws -> String {
        let socket = try connect(port: port)
        defer { close(socket) }
        let bytes = Array(requests.joined().utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) }
            guard written > 0 else { throw Failure(description: "send: \(errno)") }
            sent += written
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw Failure(description: "recv: \(errno) after \(received.count) bytes") }
            received += chunk[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Opens `count` connections and sends nothing on them; returns how many the server has
    /// closed when `limit` is over (or all of them, as soon as they are all closed).
    static func idleConnectionsClosed(port: Int, count: Int, within limit: Duration) async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result {
                        var open = try (0..<count).map { _ in try connect(port: port) }
                        defer { open.forEach { close($0) } }
                        var closed = 0
                        let started = ContinuousClock.now
                        var byte: UInt8 = 0
                        while !open.isEmpty, ContinuousClock.now - started < limit {
                            usleep(50_000)
                            let stillOpen = open.filter { recv($0, &byte, 1, Int32(MSG_DONTWAIT)) != 0 }
                            for socket in open where !stillOpen.contains(socket) { close(socket) }
                            closed += open.count - stillOpen.count
                            open = stillOpen
                        }
                        return closed
                    })
            }.start()
        }
    }

    private static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(description: "connect: \(errno)")
        }
        return socket
    }
}
