import HTTPTypes
import Hummingbird
import Mustache

/// The console's pages: swift-mustache templates compiled into the binary, parsed once.
struct ConsolePages: Sendable {
    private let library: MustacheLibrary

    init() throws {
        var library = MustacheLibrary()
        let templates: [(String, [UInt8])] = [
            ("top", PackageResources.top_mustache), ("bottom", PackageResources.bottom_mustache),
            ("login", PackageResources.login_mustache), ("products", PackageResources.products_mustache),
            ("product", PackageResources.product_mustache), ("plan", PackageResources.plan_mustache),
            ("channel", PackageResources.channel_mustache), ("messages", PackageResources.messages_mustache),
            ("stats", PackageResources.stats_mustache), ("audit", PackageResources.audit_mustache),
            ("notes", PackageResources.notes_mustache), ("customers", PackageResources.customers_mustache),
            ("tokens", PackageResources.tokens_mustache), ("extensions", PackageResources.extensions_mustache),
        ]
        for (name, bytes) in templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    /// A page as an HTML response that no cache keeps and no other site frames.
    func page(_ name: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(values, withTemplate: name) ?? ""
        return Response(status: status, headers: Self.headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let headers: HTTPFields = [
        .contentType: "text/html; charset=utf-8",
        .cacheControl: "no-store",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
    ]

    /// The console's own script and style sheet.
    static func asset(_ name: String) -> Response? {
        let found: (bytes: [UInt8], type: String)
        switch name {
        case "console.js": found = (PackageResources.console_js, "text/javascript; charset=utf-8")
        case "console.css": found = (PackageResources.console_css, "text/css; charset=utf-8")
        default: return nil
        }
        return Response(
            status: .ok, headers: [.contentType: found.type, .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: found.bytes)))
    }
}
