/// Rules that read a channel's history: where a channel falls back to when its build is
/// removed, and what a rollback undoes.
public enum ChannelHistory {
    /// The build `pointer` should point at once `removed` is gone: the one it pointed at before
    /// `removed` arrived (the `from` of the latest move to `removed` that is not a rollback,
    /// since a rollback returns to a build that arrived earlier), walking back the same way
    /// past builds that no longer exist; nil when the pointer had nothing before (a pin made
    /// from no pin is simply gone).
    ///
    /// - Parameters:
    ///   - moves: the channel's history, oldest first.
    ///   - existing: the builds that still exist, without `removed`.
    public static func fallback(
        for pointer: ChannelMove.Pointer, removing removed: BuildHash, moves: [ChannelMove], existing: Set<BuildHash>
    ) -> BuildHash? {
        var arrived = removed
        var before = moves.endIndex
        while let index = moves[..<before].lastIndex(where: { $0.pointer == pointer && $0.to == arrived && $0.reason != .rollback }) {
            guard let from = moves[index].from else { return nil }
            if from != removed, existing.contains(from) { return from }
            arrived = from
            before = index
        }
        return nil
    }

    /// The move a rollback undoes: the newest move that is not itself a rollback and was not
    /// undone by one, so that rolling back twice goes back two steps. Nil when nothing is left.
    public static func moveToUndo(in moves: [ChannelMove]) -> ChannelMove? {
        var undone = 0
        for move in moves.reversed() {
            if move.reason == .rollback {
                undone += 1
            } else if undone > 0 {
                undone -= 1
            } else {
                return move
            }
        }
        return nil
    }
}
