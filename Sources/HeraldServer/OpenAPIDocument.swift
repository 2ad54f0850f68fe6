import Foundation
import Hummingbird

/// Herald's HTTP contract as an OpenAPI 3.1 document (`Sources/HeraldServer/openapi.json`,
/// built into the binary), served at `/openapi.json`.
///
/// The server refuses to start when a route it registers is missing from the document, so
/// the document cannot fall behind the router.
enum OpenAPIDocument {
    static var bytes: [UInt8] { PackageResources.openapi_json }

    /// The `METHOD /path` of every operation the document describes, paths as the router writes them.
    static func operations() throws -> Set<String> {
        guard let document = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let paths = document["paths"] as? [String: [String: Any]]
        else { throw Missing(operations: ["the document has no paths"]) }
        var operations: Set<String> = []
        for (path, methods) in paths {
            for method in methods.keys { operations.insert("\(method.uppercased()) \(path)") }
        }
        return operations
    }

    /// Throws ``Missing`` with each of `routes` (`METHOD /path`) the document lacks.
    static func check(covers routes: [String]) throws {
        let documented = try operations()
        let missing = routes.filter { !documented.contains($0) }.sorted()
        guard missing.isEmpty else { throw Missing(operations: missing) }
    }

    struct Missing: Error, CustomStringConvertible {
        let operations: [String]
        var description: String { "routes missing from openapi.json: \(operations.joined(separator: ", "))" }
    }
}
