import Foundation
import HeraldCore
import HeraldStore
import Hummingbird

/// Channel management (token needed): create or update, delete, pin, unpin, roll back.
struct ChannelRoutes<Context: RequestContext> {
    let store: any Store

    private var authorization: Authorization { Authorization(store: store) }

    func register(on router: Router<Context>) {
        router.put("/api/v1/{product}/{channel}") { request, context in
            var request = request
            let (product, channel) = try (context.parameters.product(), context.parameters.channel())
            let token = try await authorization.token(for: request, writing: product)
            let fields = try await RequestFields.read(&request, context: context)
            let settings = ChannelSettings(
                name: fields["channel_name"] ?? fields["name"], description: fields["channel_description"],
                aliasFor: try aliasField(fields), isFavourite: try fields.flag("is_favourite"), isCustom: try fields.flag("is_custom"),
                extends: try extendsField(fields))
            let following = try (fields["build_following"] ?? fields["build"]).map { try BuildReference(validating: $0, field: "build_following") }
            let licenses = (fields["licenses"] ?? fields["license"] ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            // A customer channel (seed 000's "New channel") follows a base channel or a build, and
            // is bound to its licenses: looked up first, then saved, pinned and bound in one transaction.
            var build: BuildHash?
            if let following { build = try await store.build(matching: following, of: product).hash }
            let licenseIDs = try await store.licenseIDs(of: licenses, covering: product)
            let saved = try await store.saveChannel(
                channel, of: product, settings: settings, following: build, licenseIDs: licenseIDs, actor: token.name)
            return try await channelResponse(saved.id, of: product)
        }

        router.delete("/api/v1/{product}/{channel}") { request, context in
            let (product, channel) = try (context.parameters.product(), context.parameters.channel())
            _ = try await authorization.token(for: request, writing: product)
            try await store.deleteChannel(channel, of: product)
            return try envelopeResponse(["deleted": channel])
        }

        router.post("/api/v1/{product}/{channel}/pin") { request, context in
            var request = request
            let (product, channel) = try (context.parameters.product(), context.parameters.channel())
            let token = try await authorization.token(for: request, writing: product)
            let fields = try await RequestFields.read(&request, context: context)
            let reference = try BuildReference(validating: fields["build"] ?? fields["build_hash"] ?? "", field: "build")
            let build = try await store.build(matching: reference, of: product)
            try await store.pin(channel, of: product, to: build.hash, actor: token.name)
            return try await channelResponse(channel, of: product)
        }

        router.post("/api/v1/{product}/{channel}/unpin") { request, context in
            let (product, channel) = try (context.parameters.product(), context.parameters.channel())
            let token = try await authorization.token(for: request, writing: product)
            try await store.unpin(channel, of: product, actor: token.name)
            return try await channelResponse(channel, of: product)
        }

        router.post("/api/v1/{product}/{channel}/rollback") { request, context in
            let (product, channel) = try (context.parameters.product(), context.parameters.channel())
            let token = try await authorization.token(for: request, writing: product)
            try await store.rollBack(channel, of: product, actor: token.name)
            return try await channelResponse(channel, of: product)
        }
    }

    private func channelResponse(_ channel: ChannelID, of product: ProductID) async throws -> Response {
        let channels = try await store.channels(of: product)
        guard let saved = channels.first(where: { $0.id == channel }) else { throw HeraldError.unknownChannel(channel, of: product) }
        let served = try? ChannelResolution(channels: channels).resolveServedBuild(for: channel, of: product)
        let licenses = saved.isCustom ? try await store.licenseIDs(boundTo: channel, of: product) : nil
        return try envelopeResponse(ChannelResource(channel: saved, servedBuild: served, licenses: licenses))
    }

    /// `alias_for`: a channel id, or empty / `null` to make the channel stand alone again.
    private func aliasField(_ fields: RequestFields) throws -> ChannelID?? {
        try optionalChannel(fields, "alias_for")
    }

    private func extendsField(_ fields: RequestFields) throws -> ChannelID?? {
        try optionalChannel(fields, "extends")
    }

    /// Absent: nil; present but null or empty: `.some(nil)`, which clears it; else the channel.
    private func optionalChannel(_ fields: RequestFields, _ name: String) throws -> ChannelID?? {
        guard fields.contains(name) else { return nil }
        guard let value = fields[name] else { return .some(nil) }
        return .some(try ChannelID(validating: value, field: name))
    }

}
