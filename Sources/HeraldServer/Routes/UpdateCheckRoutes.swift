import HeraldCore
import HeraldStore
import Hummingbird

/// `GET|POST /api/check_for_update/`: does a site on a channel have an update?
///
/// Fields come from the query, a form or a JSON body: product_name, release_channel (default
/// stable, with seed 000's no_channel warning), current_product_version, wordpress_version,
/// php_version, site_url (or install_id), license. What the site gets is
/// ``CatalogSnapshot/decide(_:)``'s; this route writes it in seed 000's envelope
/// (``UpdateCheckAnswer``) and counts the check in the install statistics. A GET that needs
/// no database is answered before the router, by ``SiteAnswerHandler``, with the same bytes.
struct UpdateCheckRoutes<Context: RequestContext> {
    let answers: SiteAnswers
    let statistics: InstallStatsRecorder?

    func register(on router: Router<Context>) {
        router.get("/api/check_for_update") { request, context in try await check(request, context: context) }
        router.post("/api/check_for_update") { request, context in try await check(request, context: context) }
    }

    private func check(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let fields = try await RequestFields.read(&request, context: context)
        let product = try ProductID(validating: fields["product_name"] ?? fields["product_id"] ?? "", field: "product_name")
        let answer = try await answers.answer(request, fields: fields, names: .updateCheck, product: product)
        let links = answer.decision.updateAvailable && answer.question.license != nil ? try await answers.links(for: answer) : nil
        try await statistics?.record(answer)
        return answers.signedResponse(
            UpdateCheckAnswer.body(for: answer, licensedLinks: links, snapshots: answers.snapshots), reportToken: try? await answers.reportToken(for: answer))
    }
}
