import Foundation
import Testing

@testable import HeraldStore

/// Herald's Signature Version 4 against the worked examples of AWS's S3 documentation
/// ("Signature Calculations for the Authorization Header" and "Query String Authentication"),
/// which moto cannot check for presigned URLs.
@Suite("AWS Signature Version 4")
struct SignatureV4Tests {
    private let signature = SignatureV4(
        credentials: BucketCredentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", sessionToken: nil),
        region: "us-east-1")
    /// 20130524T000000Z, the examples' moment.
    private let date = Date(timeIntervalSince1970: 1_369_353_600)

    @Test("A GET with a Range header is signed as AWS's example is")
    func authorizationHeader() {
        let headers = signature.headers(
            method: "GET", path: "/test.txt", query: [], headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
            payloadHash: SignatureV4.emptyPayloadHash, at: date)
        let authorization = headers.first { $0.0 == "authorization" }?.1
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        #expect(headers.contains { $0 == ("x-amz-date", "20130524T000000Z") })
        #expect(!headers.contains { $0.0 == "host" }, "the Host header is the caller's to send")
    }

    @Test("A presigned GET is the URL of AWS's example")
    func presignedURL() {
        let query = signature.presignedQuery(path: "/test.txt", query: [], host: "examplebucket.s3.amazonaws.com", expires: 86400, at: date)
        #expect(
            query
                == "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404&X-Amz-SignedHeaders=host"
        )
    }

    @Test("Paths keep their slashes and encode the rest; query values encode slashes and spaces")
    func encoding() {
        #expect(SignatureV4.encode("builds/ab/cd/a b+c", keepingSlash: true) == "builds/ab/cd/a%20b%2Bc")
        #expect(SignatureV4.canonicalQuery([("uploads", ""), ("prefix", "a/b c")]) == "prefix=a%2Fb%20c&uploads=")
    }
}
