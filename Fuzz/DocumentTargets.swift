// libFuzzer entry point for the documents vendors write (Sources/HeraldDocuments): extension
// manifests (YAML or JSON, through Yams and libyaml), release.json, and JSON request bodies.
// Fuzz/run builds it with Foundation and Yams; HERALD_FUZZ_TARGET picks the document. A
// document may be refused; nothing may trap, hang or read out of bounds.

import Foundation

private let targets: [String: @Sendable (Data) -> Void] = [
    "manifest": { bytes in
        guard let document = try? ManifestDocument(text: String(decoding: bytes, as: UTF8.self)) else { return }
        for field in document.fields {
            precondition(field.line >= 0 && field.text?.isEmpty != true)
        }
    },
    "release": { bytes in
        guard let release = try? ReleaseDocument(json: bytes) else { return }
        precondition(bytes.count <= ReleaseDocument.sizeLimit)
        _ = release.packageURL.split(separator: "/").last
    },
    "json": { bytes in _ = try? JSONFields.read(bytes) },
]

private let selected: @Sendable (Data) -> Void = {
    guard let name = ProcessInfo.processInfo.environment["HERALD_FUZZ_TARGET"], let target = targets[name] else {
        fatalError("HERALD_FUZZ_TARGET must be one of: \(targets.keys.sorted().joined(separator: ", "))")
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected(data.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}
