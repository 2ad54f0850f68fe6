import Testing

@testable import HeraldCore

@Suite("Channel history")
struct ChannelHistoryTests {
    static let product = try! ProductID(validating: "private_blog")
    static let a = try! BuildHash(validating: String(repeating: "a", count: 64))
    static let b = try! BuildHash(validating: String(repeating: "b", count: 64))
    static let c = try! BuildHash(validating: String(repeating: "c", count: 64))

    func history(_ steps: [(ChannelMove.Pointer, BuildHash?, BuildHash?, ChannelMove.Reason)]) -> [ChannelMove] {
        steps.enumerated().map { index, step in
            ChannelMove(
                product: Self.product, channel: .stable, sequence: Int64(index + 1), pointer: step.0, from: step.1, to: step.2,
                reason: step.3, actor: "test", at: Int64(index))
        }
    }

    @Test("Removing the latest build falls back to the one before it")
    func latest() {
        let moves = history([(.latest, nil, Self.a, .upload), (.latest, Self.a, Self.b, .upload), (.latest, Self.b, Self.c, .upload)])
        #expect(ChannelHistory.fallback(for: .latest, removing: Self.c, moves: moves, existing: [Self.a, Self.b]) == Self.b)
        #expect(ChannelHistory.fallback(for: .latest, removing: Self.c, moves: moves, existing: [Self.a]) == Self.a)
        #expect(ChannelHistory.fallback(for: .latest, removing: Self.c, moves: moves, existing: []) == nil)
    }

    @Test("Removing a pin made from no pin leaves no pin, not an older pin that was lifted")
    func pinFromNothing() {
        let moves = history([(.active, nil, Self.a, .pin), (.active, Self.a, nil, .unpin), (.active, nil, Self.b, .pin)])
        #expect(ChannelHistory.fallback(for: .active, removing: Self.b, moves: moves, existing: [Self.a]) == nil)
    }

    @Test("Removing the build a channel was rolled back to does not bring back the build rolled away from")
    func rolledBackTo() {
        let moves = history([(.latest, nil, Self.a, .upload), (.latest, Self.a, Self.b, .upload), (.latest, Self.b, Self.c, .upload), (.latest, Self.c, Self.b, .rollback)])
        #expect(ChannelHistory.fallback(for: .latest, removing: Self.b, moves: moves, existing: [Self.a, Self.c]) == Self.a)
    }

    @Test("A build that came back by an earlier removal falls back past the removed one")
    func afterRemoval() {
        let moves = history([(.latest, nil, Self.a, .upload), (.latest, Self.a, Self.b, .upload), (.latest, Self.b, Self.c, .upload), (.latest, Self.c, Self.b, .removal)])
        #expect(ChannelHistory.fallback(for: .latest, removing: Self.b, moves: moves, existing: [Self.a]) == Self.a)
    }
}
