// The order in which the review queue hands out items.

/// Which open items a claim leases first. In both orders, items drawn at random from traffic (`sampled`) come
/// first, oldest first: their verdicts are the unbiased sample precision is estimated from, so which of them get a
/// verdict must not depend on their scores. Then items that have waited longer than the age limit, oldest first,
/// so none waits forever. Then the rest in this order.
public enum ClaimOrder: String, Sendable, CaseIterable {
    /// The smallest margin between the top two scores first (active learning: the verdicts that teach the next
    /// expert most), ties by age.
    case informative
    /// Oldest first.
    case oldest
}
