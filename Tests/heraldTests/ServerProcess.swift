import Foundation

/// A `herald serve` process on a free port, stopped when the test is done.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let log: URL
    private(set) var baseURL = ""

    /// Starts `herald serve --port 0` with `arguments` and waits for its "listening on" line.
    init(_ arguments: [String]) async throws {
        log = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("herald-serve-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = HeraldBinary.url
        process.arguments = ["serve", "--port", "0"] + arguments
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = process.standardOutput
        try process.run()
        for _ in 0..<600 {
            try await Task.sleep(for: .milliseconds(50))
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
                let url = line.split(separator: " ").last
            {
                baseURL = String(url)
                return
            }
            if !process.isRunning { break }
        }
        process.terminate()
        throw HeraldBinary.Failure(description: "herald serve did not start: \(output)")
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// SIGKILL: no chance to clean up, as in a crash or an OOM kill.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: log)
    }

    deinit { stop() }
}
