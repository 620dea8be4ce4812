import Allocation

/// The allocation instance loader (`Instance(json:)`): JSON, then every field checked.
///
/// Checked (JSON is not canonical, and an instance has no JSON encoder): what loads is within
/// the instance's rules: at least one board's capacity, finite non-negative amounts, values in
/// [0, 1], weights > 0, non-empty ladders, unique service ids.
enum InstanceTarget {
    static let target = FuzzTarget(
        name: "allocation-instance",
        summary: "Instance(json:): JSON decoding and validation of boards, services and levels"
    ) { bytes in
        let result = Fuzz.timed("instance load") { Result { () throws(InstanceError) in try Instance(json: bytes) } }
        guard case .success(let instance) = result else { return }
        Fuzz.check(instance.capacity.count == instance.resources.count, "capacity per resource")
        Fuzz.check(instance.capacity.allSatisfy { $0.isFinite && $0 >= 0 }, "capacity out of range")
        Fuzz.check(Set(instance.services.map(\.id)).count == instance.services.count, "duplicate service ids")
        for service in instance.services {
            Fuzz.check(service.weight.isFinite && service.weight > 0, "weight out of range")
            Fuzz.check(!service.levels.isEmpty, "an empty ladder")
            for level in service.levels {
                Fuzz.check(level.value.isFinite && (0...1).contains(level.value), "value out of range")
                Fuzz.check(level.demand.count == instance.resources.count && level.demand.allSatisfy { $0.isFinite && $0 >= 0 }, "demand out of range")
            }
        }
    }
}
