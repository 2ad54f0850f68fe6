// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "herald", targets: ["herald"]),
        .library(name: "HeraldFormats", targets: ["HeraldFormats"]),
        .library(name: "HeraldCore", targets: ["HeraldCore"]),
        .library(name: "HeraldStore", targets: ["HeraldStore"]),
        .library(name: "HeraldServer", targets: ["HeraldServer"]),
        .library(name: "HeraldClient", targets: ["HeraldClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The parsers of bytes from outside: no dependencies, so Fuzz/run compiles them alone.
        .target(name: "HeraldFormats"),
        // zlib's inflate driven safely, for the server's archives and the client's downloads.
        .target(
            name: "HeraldInflate",
            dependencies: [.product(name: "CompressNIO", package: "compress-nio"), .product(name: "NIOCore", package: "swift-nio")]
        ),
        // The documents vendors write (extension manifests, release.json, JSON request bodies),
        // read with Foundation and Yams but knowing no database and no HTTP, for Fuzz/run.
        .target(name: "HeraldDocuments", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "HeraldCore", dependencies: ["HeraldFormats", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "HeraldStore",
            dependencies: [
                "HeraldInflate",
                "HeraldCore",
                "HeraldDocuments",
                "HeraldFormats",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "HeraldServer",
            dependencies: [
                "HeraldCore",
                "HeraldDocuments",
                "HeraldFormats",
                "HeraldStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [
                .embedInCode("openapi.json"),
                // The console's templates, script and style sheet, compiled into the binary.
                .embedInCode("Console/top.mustache"), .embedInCode("Console/bottom.mustache"), .embedInCode("Console/login.mustache"),
                .embedInCode("Console/products.mustache"), .embedInCode("Console/product.mustache"), .embedInCode("Console/plan.mustache"),
                .embedInCode("Console/channel.mustache"), .embedInCode("Console/messages.mustache"), .embedInCode("Console/stats.mustache"),
                .embedInCode("Console/audit.mustache"), .embedInCode("Console/notes.mustache"),
                .embedInCode("Console/customers.mustache"), .embedInCode("Console/tokens.mustache"), .embedInCode("Console/extensions.mustache"), .embedInCode("Console/console.js"), .embedInCode("Console/console.css"),
            ]
        ),
        .target(
            name: "HeraldClient",
            dependencies: [
                "HeraldFormats",
                "HeraldInflate",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "herald",
            dependencies: [
                "HeraldClient",
                "HeraldCore",
                "HeraldFormats",
                "HeraldStore",
                "HeraldServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Helpers every test target shares: temporary folders, zips written byte by byte, PostgreSQL databases.
        .target(
            name: "HeraldTestSupport",
            dependencies: [
                "HeraldCore", "HeraldFormats", "HeraldStore", .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Tests/Support"
        ),
        .testTarget(name: "HeraldFormatsTests", dependencies: ["HeraldFormats", "HeraldTestSupport"]),
        .testTarget(name: "HeraldCoreTests", dependencies: ["HeraldCore", "HeraldFormats"]),
        .testTarget(
            name: "HeraldStoreTests",
            dependencies: [
                "HeraldTestSupport",
                "HeraldCore",
                "HeraldFormats",
                "HeraldStore",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]
        ),
        .testTarget(
            name: "HeraldServerTests",
            dependencies: [
                "HeraldTestSupport",
                "HeraldFormats",
                "HeraldServer",
                "HeraldStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]
        ),
        .testTarget(
            name: "heraldTests",
            dependencies: [
                "herald", "HeraldTestSupport", "HeraldCore", "HeraldFormats", "HeraldStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
