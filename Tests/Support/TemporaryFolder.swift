import Foundation

/// Runs `body` with a new, empty folder in the system's temporary folder, removed afterwards
/// whatever the outcome. `label` names it, so a folder left by a crashed run says whose it was.
public func withTemporaryFolder<T>(_ label: String, _ body: (String) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try await body(folder)
}
