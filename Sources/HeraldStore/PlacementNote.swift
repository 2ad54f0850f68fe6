import Foundation
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A note, in the blob store's `tmp` folder, of the blobs one publish places or one removal may
/// delete: each hash is written (and fsynced) before its blob is placed or its build removed,
/// and the note goes once the database has committed and the blobs are dealt with.
///
/// A note left behind is a publish or a removal that a crash cut short: the next start reads the
/// notes of instances that have ended (``BlobStore/placedByEndedInstances``) and removes those of
/// their blobs that no build uses (``Store/removeOrphanBlobs(_:)``). Nothing else is ever
/// removed for being absent from the database, which may be the wrong one or an old backup.
final class PlacementNote: Sendable {
    let path: String
    /// Opened at the first hash written.
    private let descriptor = Mutex<CInt?>(nil)

    init(path: String) {
        self.path = path
    }

    deinit {
        descriptor.withLock { if let open = $0 { close(open) } }
    }

    func add(_ hashes: [BuildHash]) throws {
        guard !hashes.isEmpty else { return }
        let lines = Array(hashes.map { $0.rawValue + "\n" }.joined().utf8)
        try descriptor.withLock { descriptor in
            if descriptor == nil {
                let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard opened >= 0 else { throw BlobStore.failure("create", path, code: errno) }
                descriptor = opened
            }
            guard let descriptor else { return }
            var offset = 0
            while offset < lines.count {
                let written = lines[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw BlobStore.failure("write", path, code: errno)
                }
                offset += written
            }
            guard fsync(descriptor) == 0 else { throw BlobStore.failure("fsync", path, code: errno) }
        }
    }

    /// The work it noted is done: the note goes.
    func remove() {
        descriptor.withLock { descriptor in
            if let open = descriptor { close(open) }
            descriptor = nil
        }
        unlink(path)
    }

    /// The hashes in the note at `path`; a line cut short by a crash is skipped.
    static func hashes(at path: String) -> [BuildHash] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? BuildHash(validating: String($0)) }
    }
}
