import Testing

@testable import node

/// `node join` profiles or loads: which file it loads, and when it measures one first.
@Suite struct CapabilityPlanTests {
    private func plan(explicit: String? = nil, skip: Bool = false, existing: Set<String>) -> CapabilityPlan {
        CapabilityPlan.decide(
            explicitPath: explicit, directory: "profiles", deviceID: { "raspberry-pi-4.kitchen" },
            skipProfiling: skip, fileExists: { existing.contains($0) })
    }

    @Test func anExplicitProfileIsLoadedEvenWhenTheDevicesOwnFileExists() {
        #expect(plan(explicit: "/etc/board.json", existing: ["profiles/raspberry-pi-4.kitchen.json"]) == .load(path: "/etc/board.json"))
    }

    @Test func withAnExplicitProfileTheDeviceIsNotProbed() throws {
        struct Probed: Error {}
        let plan = try CapabilityPlan.decide(
            explicitPath: "/etc/board.json", directory: "profiles", deviceID: { throw Probed() }, skipProfiling: false,
            fileExists: { _ in false })
        #expect(plan == .load(path: "/etc/board.json"))
    }

    @Test func theDevicesFileInTheProfilesDirectoryIsLoadedWhenPresent() {
        #expect(plan(existing: ["profiles/raspberry-pi-4.kitchen.json"]) == .load(path: "profiles/raspberry-pi-4.kitchen.json"))
    }

    @Test func aMissingProfileIsMeasuredIntoTheProfilesDirectory() {
        #expect(
            plan(existing: ["profiles/other-board.json"])
                == .measure(directory: "profiles", path: "profiles/raspberry-pi-4.kitchen.json"))
    }

    @Test func skipProfilingStillLoadsAnExistingFileButNeverMeasures() {
        #expect(plan(skip: true, existing: ["profiles/raspberry-pi-4.kitchen.json"]) == .load(path: "profiles/raspberry-pi-4.kitchen.json"))
        guard case .none(let reason) = plan(skip: true, existing: []) else {
            Issue.record("measured despite --skip-profiling")
            return
        }
        #expect(reason.contains("profiles/raspberry-pi-4.kitchen.json"))
    }

    @Test func joinParsesTheProfilingOptions() throws {
        let command = try NodeCommand.parseAsRoot([
            "join", "--no-config", "--key-file", "/etc/coalition/key", "--profiles-dir", "/var/lib/coalition", "--skip-profiling", "--quick-profile",
        ])
        let settings = try #require(command as? JoinCommand).settings()
        #expect(settings.string(.profilesDirectory) == "/var/lib/coalition")
        #expect(settings.boolean(.skipProfiling) && settings.boolean(.quickProfile))
    }
}
