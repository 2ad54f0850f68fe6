import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// `--server` and `--token`, for the commands that talk to a running Herald.
struct ServerOptions: ParsableArguments {
    @Option(help: "The Herald server, e.g. http://127.0.0.1:8080 (default: $HERALD_SERVER or http://127.0.0.1:8080).")
    var server: String?

    @Option(help: "An API token (default: $HERALD_TOKEN).")
    var token: String?

    var baseURL: String {
        let url = server ?? ProcessInfo.processInfo.environment["HERALD_SERVER"] ?? "http://127.0.0.1:8080"
        return url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    var resolvedToken: String? { token ?? ProcessInfo.processInfo.environment["HERALD_TOKEN"] }

    /// Sends a request and returns the envelope's `response`; an error envelope becomes its message.
    func send(
        _ method: HTTPMethod, _ path: String, json: [String: String]? = nil, body: HTTPClientRequest.Body? = nil,
        contentType: String? = nil
    ) async throws -> Any {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let token = resolvedToken { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
        } else if let body {
            request.body = body
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .hours(1))
        } catch {
            throw CommandFailure(message: "cannot reach \(baseURL): \(error)")
        }
        let data = Data(buffer: try await response.body.collect(upTo: 64 << 20))
        let envelope = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        if response.status.code >= 400 {
            let message = ((envelope?["messages"] as? [[String: Any]])?.first { $0["type"] as? String == "error" })
                .map { "\($0["message"] as? String ?? "") (\($0["code"] as? String ?? ""))" }
            throw CommandFailure(message: message ?? "the server answered \(response.status.code)")
        }
        guard let envelope else { throw CommandFailure(message: "the server's answer is not JSON") }
        for case let message as [String: Any] in envelope["messages"] as? [Any] ?? [] {
            FileHandle.standardError.write(Data("\(message["type"] as? String ?? "info"): \(message["message"] as? String ?? "")\n".utf8))
        }
        return envelope["response"] ?? NSNull()
    }
}

/// Prints a JSON value readably.
func printJSON(_ value: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}
