import ArgumentParser
import HeraldServer
import HeraldStore
import Hummingbird
import Logging

/// `herald serve`: the update server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the update server.")

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @OptionGroup var data: DataOptions

    func validate() throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be between 0 and 65535")
        }
    }

    func run() async throws {
        var logger = Logger(label: "herald")
        logger.logLevel = .info
        let location = try data.prepare()
        // Opening the blob store removes the temporary files a crashed run left behind.
        _ = try BlobStore(dataDirectory: data.dataDirectory)
        let store = try await location.openStore(logger: logger)
        let app = buildApplication(
            settings: ServerSettings(host: host, port: port, dataDirectory: data.dataDirectory),
            store: store, logger: logger)
        try await app.runService()
    }
}
