/// Why a site gets what it gets: ``CatalogSnapshot/decide(_:)``'s decision, and each rule that
/// made it with the figures it used, for a vendor asking "why did (or didn't) this shop update?".
public struct DecisionExplanation: Sendable {
    public struct Step: Sendable, Equatable {
        /// What kind of rule: `channel`, `license`, `alias`, `served`, `rollout`, `canary`,
        /// `yank`, `version`, `requirements`, `premium`, `message`.
        public var rule: String
        public var detail: String
    }

    public var decision: SiteDecision
    public var steps: [Step]
}

extension CatalogSnapshot {
    /// The decision for `question`, made by ``decide(_:)`` itself, with its steps told.
    public func explain(_ question: SiteQuestion) throws(HeraldError) -> DecisionExplanation {
        let decision = try decide(question)
        var steps: [DecisionExplanation.Step] = []
        func step(_ rule: String, _ detail: String) { steps.append(.init(rule: rule, detail: detail)) }

        step("channel", question.channel == nil ? "The site names no channel, so stable." : "The site asks for channel '\(decision.requestedChannel)'.")
        if let license = question.license {
            step(
                "license",
                decision.channel != decision.requestedChannel
                    ? "License …\(license.keyLast4) binds the site to customer channel '\(decision.channel)'."
                    : "License …\(license.keyLast4) is valid for \(product.id).")
        }
        if decision.servingChannel != decision.channel {
            step("alias", "'\(decision.channel)' is an alias: '\(decision.servingChannel)' holds its build.")
        }
        let serving = channels[decision.servingChannel]
        if let hash = serving?.ownServedBuild, let own = builds[hash] {
            step("served", "'\(decision.servingChannel)' serves \(own.version) (\(hash.rawValue.prefix(12)))\(serving?.isPinned == true ? ", pinned" : "") to every site.")
        } else {
            step("served", "'\(decision.servingChannel)' has no build yet.")
        }
        if let rollout = rollouts[decision.servingChannel], let staged = builds[rollout.build] {
            var detail = "'\(decision.servingChannel)' is rolling out \(staged.version) to \(rollout.percentage)%"
            if rollout.paused { detail += rollout.haltReason == nil ? ", paused" : ", halted by its guard" }
            if let site = question.site {
                let bucket = Self.rolloutBucket(of: site, build: rollout.build)
                detail += "; this site's place is \(bucket) of \(Rollout.bucketCount), "
                detail += bucket < rollout.basisPoints ? "under the share" : "not under the share (\(rollout.basisPoints))"
            } else {
                detail += "; the site sent no address, so it has no place in it"
            }
            step("rollout", detail + (decision.source == .rollout ? ": it gets the rollout's build." : "."))
            if decision.source == .canary {
                step("canary", "The site is one of \(product.id)'s canary sites: it gets the rollout's build first.")
            }
        }
        if decision.downgrade, let build = decision.build, let installed = question.installedVersion {
            step("yank", "The installed \(installed) was yanked (\(yanked[installed]?.yank?.reason ?? "")): \(build.version), older, replaces it, marked as a downgrade.")
        }
        switch decision.rule {
        case .noBuild:
            step("version", "Nothing to offer.")
        case .notNewer:
            step("version", "The site runs \(question.installedVersion?.rawValue ?? "?"); \(decision.build?.version.rawValue ?? "") is not newer.")
        case .requiresWordPress, .requiresPHP:
            for notice in decision.notices where notice.code == "requires_wordpress" || notice.code == "requires_php" {
                step("requirements", notice.message)
            }
        case .offered:
            if let build = decision.build, !decision.downgrade {
                step(
                    "version",
                    question.installedVersion.map { "\(build.version) is newer than the installed \($0): offered." }
                        ?? "The site sent no installed version: \(build.version) is offered.")
            }
        }
        if decision.licenseRequired, decision.rule == .offered {
            step("premium", "\(product.name) is premium and the site sent no valid license: told of the version, given no download.")
        }
        if let refused = question.refusedLicense {
            step("license", "The license sent was refused (\(refused.code)); \(product.id) is free, so the site is answered anyway.")
        }
        for message in messages
        where message.applies(
            channel: decision.channel, requestedChannel: decision.requestedChannel, site: question.siteURL, licenseID: question.license?.id,
            at: question.now)
        {
            step("message", "Display message '\(message.notice.code)' targets the site.")
        }
        return DecisionExplanation(decision: decision, steps: steps)
    }
}
