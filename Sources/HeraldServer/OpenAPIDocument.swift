import Foundation
import Hummingbird

/// Herald's HTTP contract as an OpenAPI 3.1 document (`Sources/HeraldServer/openapi.json`,
/// built into the binary), served at `/openapi.json`.
///
/// The server refuses to start when a route it registers is missing from the document, or the
/// document describes a route it does not serve, so the two cannot drift apart.
enum OpenAPIDocument {
    static var bytes: [UInt8] { PackageResources.openapi_json }

    /// The document as it is served, made once.
    static let served = ByteBuffer(bytes: bytes)

    /// The `METHOD /path` of every operation the document describes, paths as the router writes them.
    static func operations() throws -> Set<String> {
        guard let document = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let paths = document["paths"] as? [String: [String: Any]]
        else { throw Mismatch(missing: ["the document has no paths"], extra: []) }
        var operations: Set<String> = []
        for (path, methods) in paths {
            for method in methods.keys { operations.insert("\(method.uppercased()) \(path)") }
        }
        return operations
    }

    /// Throws ``Mismatch`` with each of `routes` (`METHOD /path`) the document lacks, and each
    /// operation it describes that no route serves.
    static func check(matches routes: [String]) throws {
        let documented = try operations()
        let missing = Set(routes).subtracting(documented).sorted()
        let extra = documented.subtracting(routes).sorted()
        guard missing.isEmpty, extra.isEmpty else { throw Mismatch(missing: missing, extra: extra) }
    }

    struct Mismatch: Error, CustomStringConvertible {
        let missing: [String]
        let extra: [String]
        var description: String {
            "openapi.json does not match the routes: missing \(missing.joined(separator: ", ")); no such route \(extra.joined(separator: ", "))"
        }
    }
}
