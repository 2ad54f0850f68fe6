// libFuzzer entry point for what the GoUpdate client reads from a repository
// (Sources/HeraldClient/GoUpdateDocuments.swift and the path check of InstallFolders.swift),
// built with Foundation by Fuzz/run. A document may be refused; nothing may trap, and no file
// path the client accepts may leave the installation folder.

import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Data(bytes: $0, count: size) } ?? Data()
    _ = try? ChannelPointer(json: bytes)
    guard let version = try? VersionFile(json: bytes) else { return 0 }
    for file in version.files {
        guard (try? InstallFolders.checkRelative(file.path)) != nil else { continue }
        let parts = file.path.split(separator: "/", omittingEmptySubsequences: false)
        precondition(!file.path.hasPrefix("/") && !parts.contains("..") && !parts.contains(""))
        _ = file.sources.filter(\.isSupported)
    }
    return 0
}
