import HeraldCore
import Hummingbird

/// The fixed path segments the router uses where a product or channel id could stand, so an
/// id can never name a route: `/api/v1/X` for products, `/api/v1/{product}/X` for channels.
enum ReservedSegments {
    /// Refuses to start a server whose routes use a segment that ``Product/reservedIDs`` or
    /// ``ChannelID/reservedIDs`` lacks: a channel named like it could be made but never read.
    static func check(_ routes: [Router<BasicRequestContext>.RouteDescription]) throws {
        var products: Set<String> = []
        var channels: Set<String> = []
        for route in routes {
            let parts = route.path.components.map(\.description)
            guard parts.count >= 3, parts[0] == "api", parts[1] == "v1" else { continue }
            if !parts[2].hasPrefix("{") {
                products.insert(parts[2])
            } else if parts.count >= 4, !parts[3].hasPrefix("{") {
                channels.insert(parts[3])
            }
        }
        let missing = products.subtracting(Product.reservedIDs).sorted() + channels.subtracting(ChannelID.reservedIDs).sorted()
        guard missing.isEmpty else { throw NotReserved(segments: missing) }
    }

    struct NotReserved: Error, CustomStringConvertible {
        let segments: [String]
        var description: String { "route segments not reserved as ids: \(segments.joined(separator: ", "))" }
    }
}
