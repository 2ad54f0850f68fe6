import HeraldCore
import Testing

@Suite("The rollout guard's decision")
struct RolloutGuardDecisionTests {
    @Test("It waits for its number of reports, then halts only above the previous build's rate plus the margin")
    func decision() throws {
        let halting = try RolloutGuard(minimumReports: 10, margin: 500)
        let previous = RolloutGuard.Tally(reports: 100, failures: 2)
        #expect(halting.halt(new: .init(reports: 9, failures: 9), previous: previous) == nil, "not before 10 reports")
        #expect(halting.halt(new: .init(reports: 10, failures: 0), previous: previous) == nil)
        // 7% is 2% + 5 points: not above the margin.
        #expect(halting.halt(new: .init(reports: 100, failures: 7), previous: previous) == nil)
        let reason = try #require(halting.halt(new: .init(reports: 100, failures: 8), previous: previous))
        #expect(reason.contains("8 of 100 reports of the new build failed (8.00%)"))
        #expect(reason.contains("2 of 100 for the previous build (2.00%)"))
        #expect(reason.contains("allows 5.00 points more after 10 reports"))
        // No reports of the previous build: its rate counts as zero.
        #expect(halting.halt(new: .init(reports: 10, failures: 1), previous: .init(reports: 0, failures: 0)) != nil)
    }

    @Test("Its settings are bounded")
    func bounds() {
        #expect(throws: HeraldError.self) { try RolloutGuard(minimumReports: 0, margin: 500) }
        #expect(throws: HeraldError.self) { try RolloutGuard(minimumReports: 10, margin: 10_001) }
        #expect(throws: HeraldError.self) { try RolloutGuard(minimumReports: 10, margin: -1) }
    }

    @Test("A report's fields are checked")
    func reports() throws {
        let product = try ProductID(validating: "shop")
        let report = try OutcomeReport(
            product: product, siteURL: "HTTPS://Shop.example.com/", fromVersion: "", toVersion: "1.1", outcome: "failed",
            errorCode: "php_fatal", errorMessage: "Call to undefined function", wordpressVersion: "6.7.1", phpVersion: "7.4.33")
        #expect(report.site == "shop.example.com" && report.fromVersion == nil && report.outcome.isFailure)
        #expect(throws: HeraldError.self) {
            try OutcomeReport(
                product: product, siteURL: "x.example", fromVersion: nil, toVersion: "1.1", outcome: "installed", errorCode: "oops",
                errorMessage: nil, wordpressVersion: nil, phpVersion: nil)
        }
        #expect(throws: HeraldError.self) {
            try OutcomeReport(
                product: product, siteURL: "x.example", fromVersion: nil, toVersion: "1.1", outcome: "failed", errorCode: "a b",
                errorMessage: nil, wordpressVersion: nil, phpVersion: nil)
        }
        let lenient = try OutcomeReport(
            product: product, siteURL: "x.example", fromVersion: "1.2 beta", toVersion: "1.1", outcome: "failed", errorCode: nil,
            errorMessage: "two\nlines", wordpressVersion: nil, phpVersion: String(repeating: "8", count: 100))
        #expect(lenient.errorMessage == "two lines" && lenient.fromVersion == nil && lenient.phpVersion?.count == 64)
    }
}
