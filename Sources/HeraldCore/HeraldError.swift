/// The one error type Herald's rules, store and server raise on purpose.
///
/// A public struct over a private code enum, so new cases never break callers. Each error has a
/// stable short ``code`` (`invalid_channel`, `channel_is_alias`, ...) that clients, logs and
/// metrics can match on, a ``kind`` that the server turns into an HTTP status, and a ``message``
/// for people. Anything else that escapes a request is a bug and is answered as a 500.
public struct HeraldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What sort of failure this is; the HTTP layer maps it to a status code.
    public enum Kind: Sendable, Hashable {
        /// The request was malformed or broke a rule (400).
        case invalidInput
        /// The request needs a valid API token (401).
        case unauthorized
        /// The token is valid but not allowed to do this (403).
        case forbidden
        /// The named thing does not exist (404).
        case notFound
        /// The request conflicts with the current state (409).
        case conflict
        /// The request body is larger than allowed (413).
        case tooLarge
        /// A dependency such as the database cannot be reached (503).
        case unavailable
        /// The data folder's file system is full (507).
        case insufficientStorage
        /// Too many attempts in a short time; try again later (429).
        case tooManyRequests
    }

    private enum Code: String, Sendable, Hashable {
        case invalidProduct = "invalid_product"
        case invalidChannel = "invalid_channel"
        case invalidVersion = "invalid_version"
        case invalidHash = "invalid_hash"
        case invalidFileName = "invalid_file_name"
        case invalidInput = "invalid_input"
        case unknownProduct = "unknown_product"
        case unknownChannel = "unknown_channel"
        case unknownBuild = "unknown_build"
        case noBuild = "no_build"
        case ambiguousBuild = "ambiguous_build"
        case productExists = "product_exists"
        case buildOfOtherProduct = "build_of_other_product"
        case channelIsAlias = "channel_is_alias"
        case channelIsPinned = "channel_is_pinned"
        case channelIsCore = "channel_is_core"
        case aliasCycle = "alias_cycle"
        case unauthorized = "unauthorized"
        case forbidden = "forbidden"
        case tooLarge = "too_large"
        case databaseUnavailable = "database_unavailable"
        case blobStoreUnavailable = "blob_store_unavailable"
        case schemaTooNew = "schema_too_new"
        case versionMismatch = "version_mismatch"
        case missingVersion = "missing_version"
        case invalidArchive = "invalid_archive"
        case invalidMultipart = "invalid_multipart"
        case channelInUse = "channel_in_use"
        case nothingToRollBack = "nothing_to_roll_back"
        case invalidAction = "invalid_action"
        case invalidSlug = "invalid_slug"
        case unknownVersion = "unknown_version"
        case notInRepository = "not_in_repository"
        case planChanged = "plan_changed"
        case licenseInvalid = "license_invalid"
        case licenseExpired = "license_expired"
        case licenseRevoked = "license_revoked"
        case licenseSiteLimit = "license_site_limit"
        case licenseRequired = "license_required"
        case linkInvalid = "link_invalid"
        case linkExpired = "link_expired"
        case rolloutInProgress = "rollout_in_progress"
        case rolloutLowered = "rollout_lowered"
        case noRollout = "no_rollout"
        case unknownMessage = "unknown_message"
        case unknownLicense = "unknown_license"
        case insufficientStorage = "insufficient_storage"
        case signInFailed = "sign_in_failed"
        case csrfRejected = "csrf_rejected"
        case tooManyAttempts = "too_many_attempts"
        case unknownAccount = "unknown_account"
        case accountExists = "account_exists"
        case serverBusy = "server_busy"
        case unknownToken = "unknown_token"
        case channelNotLicensed = "channel_not_licensed"
        case unknownArtifact = "unknown_artifact"
        case notAnApp = "not_an_app"
        case buildYanked = "build_yanked"
        case unknownWebhook = "unknown_webhook"
        case reportTokenInvalid = "report_token_invalid"
    }

    private let codeValue: Code
    /// A message for people: what was wrong, with the offending value where there is one.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.codeValue = code
        self.message = message
    }

    /// The stable machine-readable code, e.g. `invalid_channel`.
    public var code: String { codeValue.rawValue }

    /// What sort of failure this is.
    public var kind: Kind {
        switch codeValue {
        case .invalidProduct, .invalidChannel, .invalidVersion, .invalidHash, .invalidFileName,
            .invalidInput, .channelIsAlias, .channelIsPinned, .channelIsCore, .aliasCycle, .ambiguousBuild, .versionMismatch,
            .missingVersion, .invalidArchive, .invalidMultipart, .invalidAction, .invalidSlug:
            return .invalidInput
        case .unknownProduct, .unknownChannel, .unknownBuild, .noBuild, .unknownVersion, .notInRepository, .noRollout, .unknownMessage,
            .unknownLicense, .unknownAccount, .unknownToken, .unknownArtifact, .notAnApp, .unknownWebhook:
            return .notFound
        case .accountExists,
            .productExists, .buildOfOtherProduct, .buildYanked, .channelInUse, .nothingToRollBack, .planChanged, .rolloutInProgress, .rolloutLowered:
            return .conflict
        case .unauthorized, .signInFailed:
            return .unauthorized
        case .csrfRejected, .channelNotLicensed,
            .forbidden, .reportTokenInvalid, .licenseInvalid, .licenseExpired, .licenseRevoked, .licenseSiteLimit, .licenseRequired, .linkInvalid, .linkExpired:
            return .forbidden
        case .tooLarge:
            return .tooLarge
        case .databaseUnavailable, .blobStoreUnavailable, .schemaTooNew, .serverBusy:
            return .unavailable
        case .insufficientStorage:
            return .insufficientStorage
        case .tooManyAttempts:
            return .tooManyRequests
        }
    }

    public var description: String { "\(code): \(message)" }
}

extension HeraldError {
    /// Which identifier rule a value broke; it picks the error code.
    enum IdentifierKind {
        case product, channel, version, hash, fileName
    }

    /// A field's value broke its identifier rule; the message names the field, the value and the rule.
    static func invalidIdentifier(_ kind: IdentifierKind, field: String, value: String, rule: String) -> HeraldError {
        let code: Code
        switch kind {
        case .product: code = .invalidProduct
        case .channel: code = .invalidChannel
        case .version: code = .invalidVersion
        case .hash: code = .invalidHash
        case .fileName: code = .invalidFileName
        }
        return HeraldError(code, "\(field) \(quoted(value)) is invalid: \(rule)")
    }

    /// A request field that is not an identifier was missing or malformed.
    public static func invalidInput(_ message: String) -> HeraldError {
        HeraldError(.invalidInput, message)
    }

    public static func unknownProduct(_ id: ProductID) -> HeraldError {
        HeraldError(.unknownProduct, "product '\(id)' does not exist; create it with `herald product create \(id)`")
    }

    public static func unknownChannel(_ id: ChannelID, of product: ProductID) -> HeraldError {
        HeraldError(.unknownChannel, "product '\(product)' has no channel '\(id)'")
    }

    /// A WordPress API request without an `action`, or with one Herald does not know.
    public static func invalidAction(_ action: String?, known: [String]) -> HeraldError {
        let given = action.map { "the action \(quoted($0)) is not known" } ?? "the action parameter is missing"
        return HeraldError(.invalidAction, "\(given); use one of \(known.joined(separator: ", "))")
    }

    /// A WordPress API `slug` that is not `plugins/ID` or `themes/ID` (or a bare ID where allowed).
    public static func invalidSlug(_ slug: String, expected: String) -> HeraldError {
        HeraldError(.invalidSlug, "the slug \(quoted(slug)) is not valid; expected \(expected)")
    }

    /// A license key that is unknown, or that does not cover the product asked about.
    public static func licenseInvalid(for product: ProductID) -> HeraldError {
        HeraldError(.licenseInvalid, "the license key is not valid for '\(product)'")
    }

    public static func licenseExpired(_ last4: String) -> HeraldError {
        HeraldError(.licenseExpired, "the license …\(last4) has expired; renew it to get updates")
    }

    public static func licenseRevoked(_ last4: String) -> HeraldError {
        HeraldError(.licenseRevoked, "the license …\(last4) has been revoked")
    }

    public static func licenseSiteLimit(_ last4: String, limit: Int) -> HeraldError {
        HeraldError(.licenseSiteLimit, "the license …\(last4) is already used on \(limit) sites, its limit")
    }

    /// A premium product's build asked for without a signed link.
    public static func licenseRequired(_ product: ProductID) -> HeraldError {
        HeraldError(.licenseRequired, "'\(product)' is a premium product: its builds are downloaded through the signed link a licensed update check gives")
    }

    /// A signed download link whose signature does not match what it names.
    public static var linkInvalid: HeraldError {
        HeraldError(.linkInvalid, "the download link is not valid: it was changed or not made by this server")
    }

    public static var linkExpired: HeraldError {
        HeraldError(.linkExpired, "the download link has expired; check for updates again to get a new one")
    }

    public static func rolloutInProgress(_ channel: ChannelID, build: String) -> HeraldError {
        HeraldError(.rolloutInProgress, "channel '\(channel)' is already rolling out \(build); complete or cancel it first")
    }

    public static func buildYanked(_ hash: BuildHash, reason: String) -> HeraldError {
        HeraldError(.buildYanked, "build \(hash.rawValue.prefix(12)) was yanked (\(reason)); no channel may serve it again")
    }

    public static func reportTokenInvalid(_ why: String) -> HeraldError {
        HeraldError(
            .reportTokenInvalid,
            "report_token is not valid (\(why)): a report carries the X-Herald-Report-Token of the answer that offered the update to this site")
    }

    public static func unknownWebhook(_ id: String) -> HeraldError {
        HeraldError(.unknownWebhook, "no webhook or delivery \(quoted(id)) of this product")
    }

    public static func rolloutLowered(from: String, to: String) -> HeraldError {
        HeraldError(.rolloutLowered, "a rollout's percentage only rises: it is at \(from)%, not lowered to \(to)%")
    }

    public static func noRollout(_ channel: ChannelID) -> HeraldError {
        HeraldError(.noRollout, "channel '\(channel)' has no staged rollout")
    }

    public static func unknownMessage(_ id: String) -> HeraldError {
        HeraldError(.unknownMessage, "there is no display message \(quoted(id))")
    }

    public static func unknownLicense(_ keyOrID: String) -> HeraldError {
        HeraldError(.unknownLicense, "there is no license with this key or id")
    }

    /// A publish named a plan that is no longer the current one.
    public static func planChanged(read: String, now: String) -> HeraldError {
        HeraldError(.planChanged, "the plan changed since it was read (\(quoted(read)), now '\(now)'); read it again and confirm")
    }

    /// A GoUpdate repository has no document or file by this name.
    public static func notInRepository(_ name: String, of product: ProductID) -> HeraldError {
        HeraldError(.notInRepository, "the GoUpdate repository of '\(product)' has nothing named \(quoted(name))")
    }

    /// A build has no file for the platform.
    public static func unknownArtifact(_ platform: String, of build: BuildHash) -> HeraldError {
        HeraldError(.unknownArtifact, "build \(build.rawValue.prefix(12)) has no file for the platform \(quoted(platform))")
    }

    /// Desktop app feeds and platform files exist for apps only.
    public static func notAnApp(_ product: ProductID) -> HeraldError {
        HeraldError(.notAnApp, "'\(product)' is not an app product; only apps have platform files and app update feeds")
    }

    /// A version the channel has never served.
    public static func unknownVersion(_ version: Version, of product: ProductID, channel: ChannelID) -> HeraldError {
        HeraldError(.unknownVersion, "version '\(version)' of '\(product)' has not been served on channel '\(channel)'")
    }

    /// A version of which the product has no build.
    public static func unknownVersion(_ version: Version, of product: ProductID) -> HeraldError {
        HeraldError(.unknownVersion, "'\(product)' has no build of version '\(version)'")
    }

    public static func unknownBuild(_ reference: String) -> HeraldError {
        HeraldError(.unknownBuild, "no build has the hash \(quoted(reference))")
    }

    public static func noBuild(_ channel: ChannelID, of product: ProductID) -> HeraldError {
        HeraldError(.noBuild, "channel '\(channel)' of product '\(product)' has no build yet")
    }

    public static func ambiguousBuild(_ prefix: String) -> HeraldError {
        HeraldError(.ambiguousBuild, "the hash prefix \(quoted(prefix)) matches more than one build; give more characters")
    }

    public static func productExists(_ id: ProductID) -> HeraldError {
        HeraldError(.productExists, "product '\(id)' already exists")
    }

    public static func buildOfOtherProduct(_ hash: BuildHash, owner: ProductID) -> HeraldError {
        HeraldError(.buildOfOtherProduct, "the file \(hash) is already a build of product '\(owner)'")
    }

    /// `action` says what was refused, e.g. "upload to" or "pin".
    public static func channelIsAlias(_ id: ChannelID, target: ChannelID, action: String = "upload to") -> HeraldError {
        HeraldError(.channelIsAlias, "channel '\(id)' is an alias for '\(target)' and serves what it serves; \(action) '\(target)' instead")
    }

    public static func channelIsCore(_ id: ChannelID) -> HeraldError {
        HeraldError(.channelIsCore, "channel '\(id)' is a core channel and cannot be deleted; sites that name no channel ask it")
    }

    public static func channelIsPinned(_ id: ChannelID) -> HeraldError {
        HeraldError(.channelIsPinned, "channel '\(id)' is pinned to a build; unpin it before making it an alias")
    }

    public static func aliasCycle(_ id: ChannelID, path: [ChannelID]) -> HeraldError {
        let chain = path.map(\.rawValue).joined(separator: " -> ")
        return HeraldError(.aliasCycle, "channel '\(id)' cannot be an alias here: \(chain) would be a cycle")
    }

    public static let unauthorized = HeraldError(.unauthorized, "this request needs a valid API token (Authorization: Bearer ...)")

    public static func forbidden(_ message: String) -> HeraldError {
        HeraldError(.forbidden, message)
    }

    /// A wrong email or password; which of the two is not said.
    public static let signInFailed = HeraldError(.signInFailed, "the email or the password is wrong")

    /// A console change without the session's CSRF token, or from another site's page.
    public static let csrfRejected = HeraldError(
        .csrfRejected, "this change did not come from a console page of this server (missing or wrong CSRF token, or another origin)")

    public static func tooManyAttempts(retryAfterSeconds: Int) -> HeraldError {
        HeraldError(.tooManyAttempts, "too many failed sign-ins; try again in \(retryAfterSeconds) seconds")
    }

    public static func unknownAccount(_ email: String) -> HeraldError {
        HeraldError(.unknownAccount, "there is no console account \(quoted(email))")
    }

    /// A customer channel asked for without a license bound to it; said like a refusal of
    /// the license, so it tells nothing of whose channel it is.
    public static func channelNotLicensed(_ channel: ChannelID, of product: ProductID) -> HeraldError {
        HeraldError(.channelNotLicensed, "channel '\(channel)' of '\(product)' answers only the licenses bound to it")
    }

    public static func unknownToken(_ id: String) -> HeraldError {
        HeraldError(.unknownToken, "there is no API token \(quoted(id))")
    }

    public static func accountExists(_ email: String) -> HeraldError {
        HeraldError(.accountExists, "a console account \(quoted(email)) exists already")
    }

    public static func tooLarge(limit: Int64) -> HeraldError {
        HeraldError(.tooLarge, "the body is larger than the limit of \(limit) bytes")
    }

    public static func versionMismatch(requested: String, found: String, source: String) -> HeraldError {
        HeraldError(.versionMismatch, "the request says version \(quoted(requested)) but \(source) says \(quoted(found))")
    }

    public static let missingVersion = HeraldError(
        .missingVersion,
        "no version given: pass `version`, or put one in the zip (plugin.yaml, the plugin header, style.css or readme.txt's Stable tag)")

    /// An archive entry Herald refuses to install anywhere (an unsafe path, a link).
    public static func refusedArchiveEntry(_ message: String) -> HeraldError {
        HeraldError(.invalidArchive, message)
    }

    public static func invalidArchive(_ detail: String) -> HeraldError {
        HeraldError(.invalidArchive, "the file is not a readable zip archive: \(detail)")
    }

    public static func invalidMultipart(_ detail: String) -> HeraldError {
        HeraldError(.invalidMultipart, "the multipart body is invalid: \(detail)")
    }

    public static func channelInUse(_ id: ChannelID, aliases: [ChannelID]) -> HeraldError {
        let names = aliases.map { "'\($0)'" }.joined(separator: ", ")
        return HeraldError(.channelInUse, "channel '\(id)' cannot be deleted: \(names) \(aliases.count == 1 ? "is an alias" : "are aliases") for it")
    }

    public static func nothingToRollBack(_ id: ChannelID) -> HeraldError {
        HeraldError(.nothingToRollBack, "channel '\(id)' has no earlier build to roll back to")
    }

    /// The data folder has no room for what is written; nothing of it is kept.
    public static let insufficientStorage = HeraldError(
        .insufficientStorage, "the server's storage is full; nothing was stored, and the upload can be sent again once there is room")

    /// Too much of one costly kind of work at once; the client should try again shortly (503).
    public static func busy(_ message: String) -> HeraldError {
        HeraldError(.serverBusy, message)
    }

    /// The bucket that holds the build files refused or failed a request; nothing was stored.
    public static func blobStoreUnavailable(_ detail: String) -> HeraldError {
        HeraldError(.blobStoreUnavailable, "the blob store cannot be used: \(detail)")
    }

    public static func databaseUnavailable(_ detail: String) -> HeraldError {
        HeraldError(.databaseUnavailable, "the database cannot be reached: \(detail)")
    }

    public static func schemaTooNew(found: Int, known: Int) -> HeraldError {
        HeraldError(.schemaTooNew, "the database has schema version \(found) but this Herald knows only up to \(known); run a newer Herald")
    }
}

/// Quotes a value from outside for a message: cut short, so a huge value cannot flood a log
/// line, and with control characters escaped, so a value cannot start a line of its own.
public func quoted(_ value: String) -> String {
    let limit = 80
    let shown = value.count > limit ? String(value.prefix(limit)) + "..." : value
    var out = "'"
    for scalar in shown.unicodeScalars {
        if scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" {
            out += scalar.escaped(asASCII: true)
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "'"
}
