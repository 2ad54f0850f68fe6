/// Why an archive from outside is refused: its bytes are not what they claim to be.
///
/// The reason is written for the vendor who uploaded the archive; the store answers it as
/// `invalid_archive`.
public struct ArchiveError: Error, Equatable, Sendable {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }
}
