import SQLKit

/// One numbered step of the schema. Once a migration has shipped it is never edited; a change
/// is a new migration with the next number.
///
/// The SQL is written once for both databases: TEXT ids, BIGINT epoch milliseconds, BOOLEAN
/// flags, and nothing either database lacks.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    let statements: [SQLQueryString]

    /// Every migration, in order; their versions are 1, 2, 3, ... with no gaps.
    public static let all: [Migration] = [
        .catalog, .accessAndHistory, .signaturesAndDetails, .goUpdate, .releaseManagement, .licenses, .customers, .catalogRevisions,
        .installChecks, .licenseScope, .console, .releaseDates,
        .licenseSiteAddresses, .goUpdateBuilds, .platformFiles, .tuf, .signInAttempts, .outcomeReports, .yanks, .canaries, .webhooks, .reportVerification,
    ]
}
