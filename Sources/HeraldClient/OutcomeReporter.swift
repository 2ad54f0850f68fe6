import AsyncHTTPClient
import Foundation
import NIOCore

/// Tells Herald how an update of an installed folder went (`POST /api/v1/reports`), so a
/// guarded rollout can halt when updates fail. The report carries the `X-Herald-Report-Token`
/// of a check_for_update answer offering the version, asked for this installation before the
/// update. Best effort: a report that cannot be sent never fails the update.
struct OutcomeReporter: Sendable {
    /// Herald's base URL, e.g. `https://updates.example.com`.
    let server: String
    let product: String
    let channel: String
    /// What Herald knows this installation by (``InstallFolders/installID()``).
    let installID: String

    /// The report token of the answer offering `version` to this installation; nil when
    /// Herald offers another version, or cannot be asked.
    func token(for version: String) async -> String? {
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "product_name", value: product), URLQueryItem(name: "release_channel", value: channel),
            URLQueryItem(name: "site_url", value: installID),
        ]
        guard let encoded = query.percentEncodedQuery,
            let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "\(server)/api/check_for_update/?\(encoded)"), timeout: .seconds(10)),
            response.status == .ok, let body = try? await response.body.collect(upTo: 1 << 20),
            let answer = (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["response"] as? [String: Any],
            answer["new_version"] as? String == version
        else { return nil }
        return response.headers.first(name: "x-herald-report-token")
    }

    /// Sends the report; false when Herald did not take it.
    @discardableResult
    func report(from: String?, to: String, failure: (code: String, message: String)?, token: String) async -> Bool {
        var fields: [String: String] = [
            "product": product, "site_url": installID, "to_version": to, "outcome": failure == nil ? "installed" : "failed", "report_token": token,
        ]
        if let from { fields["from_version"] = from }
        if let failure {
            fields["error_code"] = failure.code
            fields["error_message"] = String(failure.message.prefix(1000))
        }
        guard let json = try? JSONSerialization.data(withJSONObject: fields) else { return false }
        var request = HTTPClientRequest(url: "\(server)/api/v1/reports")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: json))
        guard let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)) else { return false }
        _ = try? await response.body.collect(upTo: 1 << 20)
        return response.status == .accepted
    }
}
