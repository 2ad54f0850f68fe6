import HeraldCore
import Hummingbird

/// The identifiers in a route's path, each validated before use.
extension Parameters {
    func product() throws -> ProductID {
        try ProductID(validating: get("product") ?? "", field: "product")
    }

    func channel() throws -> ChannelID {
        try ChannelID(validating: get("channel") ?? "", field: "channel")
    }
}
