import Crypto
import Foundation

/// A vendor's subscription to a product's events: Herald POSTs each one to `url`, signed with
/// the subscription's secret (``WebhookSignature``), and retries with backoff for a day.
public struct Webhook: Hashable, Sendable {
    /// What happened, as the `X-Herald-Event` header and the payload's `event` name it.
    public enum Event: String, CaseIterable, Hashable, Sendable {
        case buildPublished = "build_published"
        case channelMoved = "channel_moved"
        case rolloutStarted = "rollout_started"
        case rolloutRaised = "rollout_raised"
        case rolloutHalted = "rollout_halted"
        case rolloutCompleted = "rollout_completed"
        /// Ended without completing: the channel moved by hand, another rollout replaced it, its build was yanked or removed.
        case rolloutEnded = "rollout_ended"
        case buildYanked = "build_yanked"
        case licenseCreated = "license_created"
        case licenseRevoked = "license_revoked"
        case siteActivated = "site_activated"
    }

    public var id: String
    public var product: ProductID
    public var url: String
    public var events: Set<Event>
    /// Milliseconds since 1970.
    public var createdAt: Int64

    public init(id: String, product: ProductID, url: String, events: Set<Event>, createdAt: Int64) {
        self.id = id
        self.product = product
        self.url = url
        self.events = events
        self.createdAt = createdAt
    }

    /// An http or https URL with a host, at most 2,048 characters, without credentials.
    public static func url(validating text: String) throws(HeraldError) -> String {
        let url = text.trimmingCharacters(in: .whitespaces)
        guard url.utf8.count <= 2048, let components = URLComponents(string: url),
            let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil
        else {
            throw .invalidInput("url \(quoted(text)) is invalid: an http or https URL such as https://hooks.example.com/herald")
        }
        return url
    }

    /// Events named in `names` (each an ``Event`` raw value, or `*` for all); all when empty.
    public static func events(parsing names: [String]) throws(HeraldError) -> Set<Event> {
        var events: Set<Event> = []
        for name in names.map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            if name == "*" { return Set(Event.allCases) }
            guard let event = Event(rawValue: name) else {
                throw .invalidInput(
                    "event \(quoted(name)) is unknown: one of \(Event.allCases.map(\.rawValue).joined(separator: ", ")), or *")
            }
            events.insert(event)
        }
        return events.isEmpty ? Set(Event.allCases) : events
    }
}

/// How a receiver knows a delivery is Herald's: `X-Herald-Webhook-Signature: sha256=HEX`, the
/// HMAC-SHA256 under the subscription's secret of the `X-Herald-Webhook-Timestamp` value (seconds
/// since 1970), a full stop, and the exact body. The timestamp inside the signed bytes lets a
/// receiver refuse an old delivery replayed.
public enum WebhookSignature {
    public static func sign(secret: String, timestamp: Int64, body: some DataProtocol) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }
}
