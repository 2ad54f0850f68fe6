import HeraldStore
import Hummingbird

/// Writes every change a console session asks of the API to the audit log once it is
/// answered: who, what, from where, and the status it got, so a refused or failed change is
/// never recorded as made.
struct ConsoleAuditMiddleware<Context: RequestContext>: RouterMiddleware {
    let store: any Store

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ConsoleCookie.isChange(request.method), request.headers[.authorization] == nil,
            !request.uri.path.hasPrefix("/admin/"), let secret = ConsoleCookie.secret(in: request.headers),
            let session = try? await store.session(forSecret: secret)
        else {
            return try await next(request, context)
        }
        func record(_ status: Int) async {
            try? await store.recordAudit(
                actor: session.account.email, action: "\(request.method.rawValue) \(request.uri.path) → \(status)",
                address: ConsoleCookie.peer(of: request))
        }
        do {
            let response = try await next(request, context)
            await record(response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            await record(error.status.code)
            throw error
        } catch {
            await record(500)
            throw error
        }
    }
}
