import Foundation
import HeraldCore

/// Where build files live in S3-compatible storage: `s3://BUCKET[/PREFIX]?endpoint=URL&region=R`,
/// with its credentials. Objects are addressed path-style (`ENDPOINT/BUCKET/KEY`), which every
/// S3-compatible server answers.
public struct BucketLocation: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let bucket: String
    /// Prepended to each key, without a trailing slash; empty for the bucket's root.
    public let prefix: String
    /// `https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000`: scheme, host and port.
    public let endpoint: String
    public let region: String
    public let credentials: BucketCredentials

    /// Reads `text` (`s3://...`); the credentials come from `environment` (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, or the same names with `HERALD_S3_`
    /// instead of `AWS_`). Without `endpoint`, AWS's endpoint of the region is used.
    public init(parsing text: String, environment: [String: String]) throws {
        guard text.hasPrefix("s3://"), let components = URLComponents(string: text), let bucket = components.host, !bucket.isEmpty else {
            throw HeraldError.invalidInput("a bucket is given as s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION")
        }
        guard bucket.utf8.count <= 63, bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            throw HeraldError.invalidInput("the bucket name \(bucket) is not an S3 bucket name (lowercase letters, digits, '-' and '.')")
        }
        let prefix = components.path.split(separator: "/").joined(separator: "/")
        guard prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }), !prefix.contains("..") else {
            throw HeraldError.invalidInput("the prefix \(prefix) may hold only letters, digits, '-', '_', '.' and '/'")
        }
        let items = components.queryItems ?? []
        for item in items where !["endpoint", "region"].contains(item.name) {
            throw HeraldError.invalidInput("s3:// takes endpoint and region, not \(item.name)")
        }
        let region = items.first { $0.name == "region" }?.value ?? environment["AWS_REGION"] ?? "us-east-1"
        guard !region.isEmpty, region.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
            throw HeraldError.invalidInput("the region \(region) is not a region name")
        }
        var given = items.first { $0.name == "endpoint" }?.value ?? "https://s3.\(region).amazonaws.com"
        while given.hasSuffix("/") { given.removeLast() }
        guard let url = URLComponents(string: given), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host?.lowercased(), !host.isEmpty, url.path.isEmpty, url.query == nil, url.user == nil, url.password == nil
        else {
            throw HeraldError.invalidInput("the endpoint \(given) is not http(s)://HOST[:PORT]")
        }
        guard !prefix.split(separator: "/").contains(".") else {
            throw HeraldError.invalidInput("the prefix \(prefix) has a '.' segment")
        }
        // A default port is left out, as clients leave it out of the Host they send (and sign).
        let port = url.port.flatMap { ($0 == 443 && scheme == "https") || ($0 == 80 && scheme == "http") ? nil : $0 }
        let endpoint = "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")"
        // The key, secret and token come from one source: HERALD_S3_... if its key is set, else AWS_...
        let source = environment["HERALD_S3_ACCESS_KEY_ID"].map { $0.isEmpty } == false ? "HERALD_S3_" : "AWS_"
        func variable(_ name: String) -> String? {
            environment[source + name].flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let key = variable("ACCESS_KEY_ID"), let secret = variable("SECRET_ACCESS_KEY") else {
            throw HeraldError.invalidInput("a bucket needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint
        self.region = region
        credentials = BucketCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: variable("SESSION_TOKEN"))
    }

    /// The location as given, without the credentials: for logs and messages.
    public var description: String {
        "s3://\(bucket)\(prefix.isEmpty ? "" : "/" + prefix)?endpoint=\(endpoint)&region=\(region)"
    }

    public var debugDescription: String { description }
}

/// An access key: never logged, never written anywhere by Herald.
public struct BucketCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let accessKeyID: String
    public let secretAccessKey: String
    public let sessionToken: String?

    public var description: String { "\(accessKeyID) (secret withheld)" }
    public var debugDescription: String { description }
}
