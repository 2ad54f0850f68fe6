import HeraldCore
import Synchronization

/// Tells the answer path which products a committed transaction changed.
///
/// Every write to a product's catalog takes the product's lock (`lockProduct`), which raises
/// the product's revision and notes the product here; when the transaction commits, the
/// observers hear of it before the write returns, so the instance that wrote answers the next
/// request from the new catalog. Other instances notice the raised revision by polling
/// ``Store/productRevisions()``.
public final class CatalogChanges: Sendable {
    private let observers = Mutex<[@Sendable (Set<ProductID>) -> Void]>([])

    public init() {}

    /// Calls `observer` after every commit that changed products, with their ids.
    public func observe(_ observer: @escaping @Sendable (Set<ProductID>) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    func publish(_ products: Set<ProductID>) {
        guard !products.isEmpty else { return }
        for observer in observers.withLock({ $0 }) { observer(products) }
    }

    /// The products the transaction running in this task has changed so far.
    @TaskLocal static var pending: PendingChanges?

    /// Notes that the running transaction changed `product`.
    static func record(_ product: ProductID) {
        pending?.products.withLock { _ = $0.insert(product) }
    }
}

/// The products one transaction has changed, published when it commits.
final class PendingChanges: Sendable {
    let products = Mutex<Set<ProductID>>([])
}
