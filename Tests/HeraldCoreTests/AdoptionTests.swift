import HeraldCore
import Testing

@Suite("Adoption of releases")
struct AdoptionTests {
    @Test("Share per day, days to half and nine tenths, versions left behind, failures per PHP version")
    func adoption() {
        // 100 sites a day; 2.0 released on day 10, reaching 30, 60, 95 sites on days 10, 11, 13.
        var counts: [(day: Int64, version: String?, sites: Int)] = []
        let onNew: [Int64: Int] = [10: 30, 11: 60, 12: 80, 13: 95]
        for day in Int64(8)...13 {
            let fresh = onNew[day] ?? 0
            counts.append((day, "2.0", fresh))
            counts.append((day, "1.9", max(0, 100 - fresh - 3)))
            counts.append((day, "1.0", min(3, 100 - fresh)))
        }
        let adoption = Adoption.make(
            from: 8, counts: counts, released: ["2.0": 10, "1.9": 2, "1.0": 0, "3.0": 99],
            outcomes: [
                ("2.0", "6.7", "7.4", "failed", 4), ("2.0", "6.7", "7.4", "installed", 1), ("2.0", "6.7", "8.2", "installed", 90),
                ("1.9", "6.7", "8.2", "installed", 50),
            ])
        #expect(adoption.releases.map(\.version) == ["2.0", "1.9", "1.0"], "newest first; 3.0 has no day yet")
        let new = adoption.releases[0]
        #expect(new.days.map(\.day) == [10, 11, 12, 13])
        #expect(new.days.map(\.share) == [0.3, 0.6, 0.8, 0.95])
        #expect(new.daysTo50 == 1 && new.daysTo90 == 3)
        #expect(adoption.releases[1].daysTo50 == nil, "released before the days looked at: unknown")
        // 3.0 is released (no site runs it yet): everyone older is behind it.
        #expect(adoption.leftBehind.map(\.version) == ["2.0", "1.0", "1.9"])
        #expect(adoption.leftBehind.map(\.sites) == [95, 3, 2])
        #expect(adoption.failures.count == 1)
        #expect(adoption.failures.first.map { [$0.version, $0.phpVersion, "\($0.installed)", "\($0.failed)"] } == ["2.0", "7.4", "1", "4"])
        #expect(adoption.activeSites[13] == 100)
    }

    @Test("Versions that are no release, as any site may report, count as other and never as the newest")
    func reportedVersionsAreNotReleases() {
        let adoption = Adoption.make(
            from: 0, counts: [(1, "1.0", 5), (1, "0.5-custom", 4), (1, "99.0", 7), (1, nil, 2)], released: ["1.0": 0, "0.9": 0], outcomes: [])
        #expect(adoption.leftBehind.map(\.version) == ["other"] && adoption.leftBehind.map(\.sites) == [4])
        #expect(adoption.releases.map(\.version) == ["1.0", "0.9"])
        #expect(adoption.releases.first?.days.first?.share == 5.0 / 18.0)
    }
}
