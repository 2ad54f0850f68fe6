/// The entity tags of a conditional request (`If-None-Match`), against a file's ETag.
public enum EntityTags {
    /// True when the comma-separated list `header` names `etag`, weakly or not, or is `*`.
    public static func list(_ header: String, matches etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let value = candidate.trimmingWhitespace()
            return value == "*" || value == etag || value == "W/" + etag
        }
    }
}
