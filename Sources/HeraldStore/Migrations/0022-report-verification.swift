extension Migration {
    /// Whether a report carried the token of the answer that offered its update: only those
    /// count for a rollout's guard. Reports made before tokens were not.
    static let reportVerification = Migration(
        version: 22, name: "report verification",
        statements: [
            "ALTER TABLE outcome_reports ADD COLUMN verified BOOLEAN NOT NULL DEFAULT FALSE"
        ])
}
