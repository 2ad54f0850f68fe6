import HeraldCore
import HeraldStore
import Hummingbird

/// API tokens over HTTP: list (a token or a console session), create (the secret shown once)
/// and revoke (a console session, or a token for every product: a leaked CI token cannot mint
/// its own replacement). A caller limited to some products sees, makes and revokes only
/// tokens limited to those products, so no one widens their own reach.
struct TokenRoutes<Context: RequestContext> {
    let store: any Store

    private var authorization: Authorization { Authorization(store: store) }

    func register(on router: Router<Context>) {
        router.get("/api/v1/tokens") { request, _ in
            let caller = try await authorization.token(for: request)
            let visible = try await store.tokens().filter { Self.covers(caller, $0.products) }
            return try envelopeResponse(["tokens": visible.map(TokenResource.init)])
        }
        router.post("/api/v1/tokens") { request, context in
            var request = request
            let caller = try await authorization.token(for: request)
            try Self.mayManage(caller)
            let fields = try await RequestFields.read(&request, context: context)
            let name = fields["name"] ?? ""
            try APIToken.validateName(name)
            var scope: Set<ProductID> = []
            for text in (fields["products"] ?? fields["product"] ?? "").split(separator: ",") {
                scope.insert(try ProductID(validating: text.trimmingCharacters(in: .whitespaces), field: "products"))
            }
            guard Self.covers(caller, scope) else {
                throw HeraldError.forbidden("'\(caller.name)' may make tokens only for its own products: name them in products")
            }
            let issued = try await store.createToken(name: name, products: scope)
            return try envelopeResponse(IssuedTokenResource(token: TokenResource(issued.token), secret: issued.secret), status: .created)
        }
        router.delete("/api/v1/tokens/{token}") { request, context in
            let caller = try await authorization.token(for: request)
            try Self.mayManage(caller)
            let id = context.parameters.get("token") ?? ""
            guard let token = try await store.tokens().first(where: { $0.id == id }), Self.covers(caller, token.products) else {
                throw HeraldError.unknownToken(id)
            }
            try await store.revokeToken(id: id)
            return try envelopeResponse(["revoked": id])
        }
    }

    /// Tokens are made and revoked by a person in the console, or with a token for every product.
    static func mayManage(_ caller: APIToken) throws {
        guard caller.id.hasPrefix("console:") || caller.products.isEmpty else {
            throw HeraldError.forbidden("token '\(caller.name)' may not make or revoke tokens; use the console or a token for every product")
        }
    }

    /// Whether `caller` may see or manage a token for `scope` (empty: every product).
    static func covers(_ caller: APIToken, _ scope: Set<ProductID>) -> Bool {
        caller.products.isEmpty || (!scope.isEmpty && scope.isSubset(of: caller.products))
    }
}

/// A token as listed: never its secret.
struct TokenResource: Encodable, Sendable {
    let id: String
    let name: String
    let products: [String]
    let createdAt: Int64

    init(_ token: APIToken) {
        id = token.id
        name = token.name
        products = token.products.map(\.rawValue).sorted()
        createdAt = token.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, products, createdAt = "created_at"
    }
}

/// A token just made, with the secret shown this once.
struct IssuedTokenResource: Encodable, Sendable {
    let token: TokenResource
    let secret: String
}
