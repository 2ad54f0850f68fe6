import Crypto
import Foundation
import HeraldCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// AWS Signature Version 4 for S3 requests, in its two forms: an `Authorization` header, and a
/// presigned URL's query. Written from AWS's description of the algorithm, with swift-crypto's
/// HMAC-SHA256 (no AWS SDK is in the package mirror).
struct SignatureV4: Sendable {
    let credentials: BucketCredentials
    let region: String
    let service = "s3"

    /// The SHA-256 of an empty payload, which GET, HEAD and DELETE sign.
    static let emptyPayloadHash = SHA256.hash(data: Data()).hexString

    /// The headers that sign a request: `x-amz-date`, `x-amz-content-sha256`, `Authorization`
    /// (and `x-amz-security-token` for temporary credentials). `path` is already encoded;
    /// `headers` are those sent, `host` among them.
    func headers(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String, at date: Date
    ) -> [(String, String)] {
        let (amzDate, day) = Self.stamps(date)
        var signed = headers.map { ($0.0.lowercased(), Self.trimmed($0.1)) }
        signed.append(("x-amz-date", amzDate))
        signed.append(("x-amz-content-sha256", payloadHash))
        if let token = credentials.sessionToken { signed.append(("x-amz-security-token", token)) }
        signed.sort { $0.0 < $1.0 }
        let names = signed.map(\.0).joined(separator: ";")
        let canonical = [
            method, path, Self.canonicalQuery(query), signed.map { "\($0.0):\($0.1)\n" }.joined(), names, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let signature = sign(canonical, amzDate: amzDate, day: day, scope: scope)
        var result = signed.filter { $0.0 != "host" }
        result.append(("authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(names), Signature=\(signature)"))
        return result
    }

    /// The query that makes `path` on `host` readable by anyone holding it until `expires`
    /// seconds after `date`: a presigned GET, whose payload is unsigned.
    func presignedQuery(path: String, query: [(String, String)], host: String, expires: Int, at date: Date) -> String {
        let (amzDate, day) = Self.stamps(date)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        var parameters = query
        parameters.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        parameters.append(("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope)"))
        parameters.append(("X-Amz-Date", amzDate))
        parameters.append(("X-Amz-Expires", String(expires)))
        parameters.append(("X-Amz-SignedHeaders", "host"))
        if let token = credentials.sessionToken { parameters.append(("X-Amz-Security-Token", token)) }
        let canonical = ["GET", path, Self.canonicalQuery(parameters), "host:\(host)\n", "host", "UNSIGNED-PAYLOAD"].joined(separator: "\n")
        let signature = sign(canonical, amzDate: amzDate, day: day, scope: scope)
        parameters.append(("X-Amz-Signature", signature))
        return Self.canonicalQuery(parameters)
    }

    private func sign(_ canonicalRequest: String, amzDate: String, day: String, scope: String) -> String {
        let stringToSign = [
            "AWS4-HMAC-SHA256", amzDate, scope, SHA256.hash(data: Data(canonicalRequest.utf8)).hexString,
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Data(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key)).hexString
    }

    /// The query's pairs encoded and sorted by name, then value, as SigV4 asks.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (encode($0.0), encode($0.1)) }
        let sorted = encoded.sorted { first, second in
            first.name == second.name ? first.value < second.value : first.name < second.name
        }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters; `/` kept when
    /// encoding a path.
    static func encode(_ text: String, keepingSlash: Bool = false) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.append(Character(UnicodeScalar(byte)))
            case UInt8(ascii: "/") where keepingSlash:
                result.append("/")
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    private static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// `20261129T174500Z` and `20261129`, in UTC.
    private static func stamps(_ date: Date) -> (String, String) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let day = String(format: "%04d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
        return (day + String(format: "T%02d%02d%02dZ", Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec)), day)
    }
}
