import Foundation

/// Seed 002's `release.json`, as written: what a content tree says of one version. Whether the
/// version is valid and where the package lies is the caller's to check.
public struct ReleaseDocument: Sendable, Equatable {
    public let version: String
    public let name: String?
    /// Milliseconds since 1970; nil when `date` is absent.
    public let date: Int64?
    /// The date as written, e.g. `2012-05-11 21:47:44 -0700`: what seed 002 answers.
    public let dateText: String?
    /// The package's URL: `"package": {"zip": URL}`, `"package": URL` or the first of
    /// `"packages": [{"zip": URL}]`, the forms seed 002's server reads.
    public let packageURL: String

    /// The largest release.json read.
    public static let sizeLimit = 1 << 20

    public init(json data: Data) throws(DocumentError) {
        guard data.count <= Self.sizeLimit else { throw DocumentError("it is over 1 MiB") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw DocumentError("it is not a JSON object")
        }
        guard let version = object["version"] as? String else { throw DocumentError("it has no \"version\" string") }
        self.version = version
        name = object["name"] as? String
        if let text = object["date"] as? String {
            guard let date = Self.parseDate(text) else {
                // At most 80 characters, control characters escaped: the text is the vendor's.
                throw DocumentError("its date \(String(reflecting: String(text.prefix(80)))) is not like \"2012-06-29 21:47:12 -0700\"")
            }
            self.date = date
            dateText = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            date = nil
            dateText = nil
        }
        if let package = object["package"] as? [String: Any], let zip = package["zip"] as? String {
            packageURL = zip
        } else if let single = object["package"] as? String {
            packageURL = single
        } else if let list = object["packages"] as? [[String: Any]], let zip = list.first?["zip"] as? String {
            packageURL = zip
        } else {
            throw DocumentError("it has no \"package\": {\"zip\": URL} nor \"packages\": [{\"zip\": URL}]")
        }
    }

    /// Seed 002's `2012-06-29 21:47:12 -0700`, also without the offset (then UTC).
    public static func parseDate(_ text: String) -> Int64? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        for format in ["yyyy-MM-dd HH:mm:ss Z", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssZ"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed), date.timeIntervalSince1970.isFinite,
                let millis = Int64(exactly: (date.timeIntervalSince1970 * 1000).rounded())
            {
                return millis
            }
        }
        return nil
    }
}
