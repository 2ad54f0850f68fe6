/// A note attached to an answer, in the envelope's `messages` (seed 000): a warning such as
/// `no_channel`, why an update is not offered, or the error of a failed request.
public struct Notice: Sendable, Equatable, Encodable {
    public enum Level: String, Sendable, Encodable {
        case info
        case warning
        case error
    }

    public var level: Level
    public var code: String
    public var message: String

    private enum CodingKeys: String, CodingKey {
        case level = "type", code, message
    }

    public init(level: Level, code: String, message: String) {
        self.level = level
        self.code = code
        self.message = message
    }

    /// The warning of seed 000 when a request names no channel.
    public static let noChannel = Notice(level: .warning, code: "no_channel", message: "No channel specified - assumed stable.")
}

/// Whether a site is offered the build its channel serves.
///
/// A site is offered the build when it is newer than the site's version in `version_compare()`
/// order, and only when the site's WordPress and PHP meet the build's `requires` and
/// `requires_php`: offering a build that cannot run would break the site.
public struct UpdateDecision: Sendable, Equatable {
    public var updateAvailable: Bool
    /// The version the channel serves, offered or not.
    public var newVersion: Version?
    public var notices: [Notice]

    public static func decide(current: Version?, served: Build?, wordpressVersion: String?, phpVersion: String?) -> UpdateDecision {
        guard let served else {
            return UpdateDecision(
                updateAvailable: false, newVersion: nil,
                notices: [Notice(level: .info, code: "no_build", message: "The channel has no build yet.")])
        }
        if let current, !served.version.isNewer(than: current) {
            return UpdateDecision(updateAvailable: false, newVersion: served.version, notices: [])
        }
        var notices: [Notice] = []
        if let requires = served.requires, let wordpress = wordpressVersion, VersionOrder.compare(wordpress, requires) < 0 {
            notices.append(
                Notice(
                    level: .warning, code: "requires_wordpress",
                    message: "Version \(served.version) needs WordPress \(requires) or newer; this site runs \(quoted(wordpress))."))
        }
        if let requiresPHP = served.requiresPHP, let php = phpVersion, VersionOrder.compare(php, requiresPHP) < 0 {
            notices.append(
                Notice(
                    level: .warning, code: "requires_php",
                    message: "Version \(served.version) needs PHP \(requiresPHP) or newer; this site runs \(quoted(php))."))
        }
        return UpdateDecision(updateAvailable: notices.isEmpty, newVersion: served.version, notices: notices)
    }
}
