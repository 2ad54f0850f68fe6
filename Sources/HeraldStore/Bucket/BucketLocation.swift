import Foundation
import HeraldCore

/// Where build files live in S3-compatible storage: `s3://BUCKET[/PREFIX]?endpoint=URL&region=R`,
/// with its credentials. Objects are addressed path-style (`ENDPOINT/BUCKET/KEY`), which every
/// S3-compatible server answers.
public struct BucketLocation: Sendable, Equatable {
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
        var endpoint = items.first { $0.name == "endpoint" }?.value ?? "https://s3.\(region).amazonaws.com"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        guard let url = URLComponents(string: endpoint), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false,
            url.path.isEmpty, url.query == nil
        else {
            throw HeraldError.invalidInput("the endpoint \(endpoint) is not http(s)://HOST[:PORT]")
        }
        func variable(_ name: String) -> String? {
            (environment["HERALD_S3_\(name)"] ?? environment["AWS_\(name)"]).flatMap { $0.isEmpty ? nil : $0 }
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
}

/// An access key: never logged, never written anywhere by Herald.
public struct BucketCredentials: Sendable, Equatable {
    public let accessKeyID: String
    public let secretAccessKey: String
    public let sessionToken: String?
}
