import HeraldStore
import Hummingbird

/// `/healthz`: 200 while the database answers, 503 while it does not, so a load balancer
/// takes an instance out of rotation when its database is gone.
struct HealthRoutes<Context: RequestContext> {
    let store: any Store

    func register(on router: Router<Context>) {
        router.get("/healthz") { _, _ -> Response in
            guard await store.isReachable() else {
                return errorEnvelopeResponse(
                    status: .serviceUnavailable, code: "database_unavailable", message: "The database cannot be reached.")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok","database":"reachable"}"#)))
        }
    }
}
