/// The table of policies, as Xen's `REGISTER_SCHEDULER` lines: names, aliases, tunables, factories.
/// Adding a policy means adding one folder and one line here.
public enum PolicyRegistry {
  public static let all: [PolicyDescriptor] = [
    Credit2.descriptor,
    Credit2Boost.boostDescriptor,
    Credit2Boost.proposalDescriptor,
    CreditScheduler.descriptor,
    CreditScheduler.bcsDescriptor,
    RoundRobinScheduler.descriptor,
    NullScheduler.descriptor,
    RTDSScheduler.descriptor,
    FairQueueScheduler.descriptor,
  ]

  /// The descriptor for a name or alias, or nil.
  public static func lookup(_ name: String) -> PolicyDescriptor? {
    all.first { $0.name == name || $0.aliases.contains(name) }
  }

  public static var names: [String] { all.map(\.name) }

  /// The message for a name that is neither a policy nor an alias.
  public static func unknown(_ name: String) -> String {
    "unknown scheduler '\(name)' (known: \(names.joined(separator: ", ")))"
  }
}
