import Foundation
import HeraldStore
import Testing

@Suite("Content trees for herald import")
struct ContentTreeTests {
    @Test("A symbolic link in the tree that leads out of it is a problem, never a package or a release read")
    func linksOutOfTheTree() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("herald-tree-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let root = base + "/tree"
        let folder = root + "/plugins/evil/1.0"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let secret = base + "/secret.zip"
        try Data("outside".utf8).write(to: URL(fileURLWithPath: secret))
        try FileManager.default.createSymbolicLink(atPath: folder + "/evil.zip", withDestinationPath: secret)
        try Data(#"{"version":"1.0","package":{"zip":"plugins/evil/1.0/evil.zip"}}"#.utf8)
            .write(to: URL(fileURLWithPath: folder + "/release.json"))
        let outsideRelease = base + "/release.json"
        try Data(#"{"version":"2.0","package":{"zip":"plugins/evil/1.0/evil.zip"}}"#.utf8).write(to: URL(fileURLWithPath: outsideRelease))
        try FileManager.default.createDirectory(atPath: root + "/plugins/evil/2.0", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/plugins/evil/2.0/release.json", withDestinationPath: outsideRelease)

        let (releases, problems) = ContentTree(root: root, rootURL: nil).releases()
        #expect(releases.isEmpty)
        #expect(problems.count == 2)
        #expect(problems.allSatisfy { "\($0.reason)".contains("outside the content tree") })
    }
}
