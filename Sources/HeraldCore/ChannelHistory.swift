/// Rules that read a channel's history: where a channel falls back to when its build is
/// removed, and what a rollback undoes.
public enum ChannelHistory {
    /// The build `pointer` should point at once `removed` is gone: the build it pointed at
    /// before `removed`, walking back past builds that no longer exist; nil when there is none.
    ///
    /// - Parameters:
    ///   - moves: the channel's history, oldest first.
    ///   - existing: the builds that still exist, without `removed`.
    public static func fallback(
        for pointer: ChannelMove.Pointer, removing removed: BuildHash, moves: [ChannelMove], existing: Set<BuildHash>
    ) -> BuildHash? {
        for move in moves.reversed() where move.pointer == pointer {
            if let from = move.from, from != removed, existing.contains(from) {
                return from
            }
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
