// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Coalition",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "node", targets: ["node"]),
        .executable(name: "coalition-bench", targets: ["coalition-bench"]),
        .executable(name: "coalition-lab", targets: ["coalition-lab"]),
        .library(name: "QoSModel", targets: ["QoSModel"]),
        .library(name: "Coalition", targets: ["Coalition"]),
        .library(name: "Allocation", targets: ["Allocation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // C libraries from Debian's packages, one system-library target each.
        .systemLibrary(
            name: "CAvahi", path: "Sources/CAvahi", pkgConfig: "avahi-client",
            providers: [.apt(["libavahi-client-dev"])]),
        // Headers only (libavformat-dev, libavcodec-dev, libavutil-dev): the Profiler opens the
        // libraries at run time with dlopen, so `node join` never loads FFmpeg (see its shim.h).
        // No pkgConfig, because pkg-config would add the libraries to the link.
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg"),
        .systemLibrary(
            name: "CProc2", path: "Sources/CProc2", pkgConfig: "libproc2",
            providers: [.apt(["libproc2-dev"])]),
        // glibc/kernel calls Swift's Glibc module does not export (recvmmsg, sendmmsg, eventfd).
        .systemLibrary(name: "CLinuxSocket", path: "Sources/CLinuxSocket"),

        // Every raw libc call outside the per-library C files (Avahi, FFmpeg, libproc2, the membership
        // socket): one helper that retries EINTR and turns errno into SystemCallError, thin typed
        // wrappers over it, and the only unsafe pointers besides those files. Glibc, and the Linux calls it does not export (CLinuxSocket).
        // Also the daemon's long-lived piped workers (PipedProcess, posix_spawn).
        .target(name: "SystemCalls", dependencies: ["CLinuxSocket"]),
        // The one way to run a program to its end and the one PATH lookup (Foundation.Process,
        // output through temporary files), for the CLI, the Profiler, the lab driver and the benchmarks.
        .target(name: "ChildProcess"),
        // Pure: the QoS model, presets, requests, capability profiles, evaluation. No I/O, no C.
        .target(name: "QoSModel"),
        // Pure: choosing every service's level to maximise weighted QoS within the pooled
        // capacity (exact, FPTAS, greedy, and the baselines). No I/O, no clocks, no dependencies.
        .target(name: "Allocation"),
        // Pure: the coalition's services and boards as allocation instances (level values,
        // demands and capacities from capability profiles). No I/O.
        .target(name: "ServicePlanning", dependencies: ["Allocation", "QoSModel"]),
        // Pure: the configuration file (a strict TOML subset), setting flags, and the effective
        // settings with where each value came from. No I/O, no C, no NIO.
        .target(name: "NodeConfiguration"),
        // Pure: membership and failure detection as a state machine (events in, directives out).
        // No I/O, no clock, no NIO, no C: the dependency list is the rule.
        .target(name: "MembershipCore", dependencies: ["QoSModel"]),
        // Pure: the service work's units (the paper's processing units), their binary form, and
        // the state machines that cut, dispatch and account for them. No I/O, no clock, no C.
        // MemberID from MembershipCore names the members work is dispatched to.
        .target(name: "MediaCore", dependencies: ["MembershipCore"]),
        // Pure: formation (Algorithm 1), the reservation ledger (Algorithm 2), the supervisor,
        // weighted reclaim (the exact solver of Allocation on the member's own ledger).
        .target(name: "ServiceCore", dependencies: ["QoSModel", "MembershipCore", "Allocation", "ServicePlanning"]),
        // This machine's spare CPU and memory: libproc2 and the cgroup CPU quota. No FFmpeg.
        .target(name: "SystemSampling", dependencies: ["CProc2"]),
        // Enforcement (issue 16): a cgroup per service whose CPU and memory limits are what this board lent.
        .target(name: "ResourceControl", dependencies: ["SystemSampling", "SystemCalls"]),
        // FFmpeg, opened with dlopen: demuxing an input into packets, decoding a unit and hashing
        // its frames as ffmpeg's framemd5 does, clip synthesis. Its FFmpeg*.swift files hold every
        // unsafe FFmpeg call. Never a dependency of the daemon (`Coalition`).
        .target(name: "Media", dependencies: ["MediaCore", "CFFmpeg", "SystemCalls"]),
        // Decode benchmarks and clip synthesis (through Media), capability tables.
        .target(
            name: "Profiler",
            dependencies: ["QoSModel", "SystemSampling", "SystemCalls", "ChildProcess", "Media"]),
        // DNS-SD through the system Avahi daemon: the only target that sees Avahi.
        .target(
            name: "Discovery",
            dependencies: ["CAvahi", .product(name: "Logging", package: "swift-log")]),
        // The shell around the pure cores: wire protocol, sockets, authentication, queries and
        // reservations over TCP, the control socket, the daemon. Never sees FFmpeg.
        .target(
            name: "Coalition",
            dependencies: [
                "QoSModel", "MembershipCore", "ServiceCore", "MediaCore", "Discovery", "SystemSampling", "SystemCalls", "CLinuxSocket",
                "ResourceControl",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The two protocols beside their code: the control socket's and the wire's.
            exclude: ["Control/PROTOCOL.md", "Wire/PROTOCOL.md"]),
        // `/metrics` (Prometheus text format) and the live page, over NIO's HTTP/1 codec: NIO is
        // already linked into the daemon, so this costs one small module on a board, where
        // hummingbird would add its router, its middleware and their dependencies for three routes.
        .target(
            name: "Observability",
            dependencies: [
                "Coalition", "MembershipCore", "ServiceCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "node",
            dependencies: [
                "QoSModel", "Profiler", "Discovery", "Coalition", "Observability", "SystemCalls", "Media", "MediaCore", "ChildProcess",
                "Allocation", "ServicePlanning", "NodeConfiguration",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        .testTarget(name: "SystemCallsTests", dependencies: ["SystemCalls", "ChildProcess"]),
        // The benchmarks, out of the product: each prints its figures beside its anchor's.
        .executableTarget(
            name: "coalition-bench",
            dependencies: [
                "QoSModel", "MembershipCore", "ServiceCore", "Profiler", "Coalition", "LabKit", "ChildProcess", "Media",
                "MediaCore", "SystemCalls", "Allocation", "ServicePlanning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "CoalitionBenchTests", dependencies: ["coalition-bench", "Profiler", "QoSModel"]),
        .testTarget(name: "QoSModelTests", dependencies: ["QoSModel"]),
        .testTarget(name: "NodeConfigurationTests", dependencies: ["NodeConfiguration"]),
        .testTarget(name: "AllocationTests", dependencies: ["Allocation"]),
        .testTarget(name: "ServicePlanningTests", dependencies: ["ServicePlanning", "Allocation", "QoSModel"]),
        .testTarget(name: "MediaCoreTests", dependencies: ["MediaCore", "MembershipCore", "TestSupport"]),
        .testTarget(name: "ProfilerTests", dependencies: ["Profiler", "QoSModel", "Media"]),
        // Real media made by the ffmpeg CLI, cut, decoded unit by unit, compared with its framemd5.
        .testTarget(name: "MediaTests", dependencies: ["Media", "MediaCore"]),
        .testTarget(name: "SystemSamplingTests", dependencies: ["SystemSampling"]),
        .testTarget(name: "ResourceControlTests", dependencies: ["ResourceControl", "SystemCalls"]),
        .testTarget(name: "DiscoveryTests", dependencies: ["Discovery"]),
        // The exposition format, promtool on real output, and the HTTP server over a loopback socket.
        .testTarget(
            name: "ObservabilityTests",
            dependencies: [
                "Observability", "Coalition", "MembershipCore", "ServiceCore", "ChildProcess",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Seeded randomness and hostile traffic shared by the unit and the lab tests.
        .target(
            name: "TestSupport",
            dependencies: ["Coalition", "MembershipCore", "QoSModel", .product(name: "NIOCore", package: "swift-nio")],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "CoalitionTests",
            dependencies: [
                "Coalition", "MembershipCore", "ServiceCore", "ServicePlanning", "MediaCore", "QoSModel", "Discovery", "TestSupport", "ResourceControl",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "NodeTests",
            dependencies: ["node", "Coalition", "NodeConfiguration", "ChildProcess", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Integration tests that run real processes in the lab (network namespaces; needs root).
        // The lab driver (scripts/lab: hosts as network namespaces, faults, processes) for the lab
        // tests and the benchmarks: one way to run a program, one PATH lookup.
        .target(name: "LabKit", dependencies: ["Coalition", "ChildProcess", "MediaCore", "ResourceControl"]),
        // The lab's questions for scripts (scripts/demo), over LabKit: no python in the scripts.
        .executableTarget(
            name: "coalition-lab",
            dependencies: [
                "LabKit", "Coalition", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(name: "LabKitTests", dependencies: ["LabKit", "Coalition", "MediaCore"]),
        .testTarget(
            name: "LabTests",
            dependencies: [
                "Coalition", "MembershipCore", "QoSModel", "ServiceCore", "LabKit", "ChildProcess", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)

// The fuzz targets (issue 19, Fuzz/README.md): declared only when scripts/fuzz builds them
// (COALITION_FUZZ=1, in their own scratch path, everything under -sanitize=address), so
// `swift build` and `swift test` never see them. One libFuzzer executable hosts every target;
// libFuzzer's coverage instrumentation goes to the modules that parse, not to their
// dependencies (NIO, swift-crypto), whose counters would cost libFuzzer most of its time.
// (As flags: a target's -sanitize=fuzzer would be replaced by the later -Xswiftc -sanitize=address.)
if Context.environment["COALITION_FUZZ"] == "1" {
    let coverage = "-sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp"
    let parsers: Set = ["Coalition", "MembershipCore", "MediaCore", "QoSModel", "Discovery", "Allocation", "ServiceCore"]
    for target in package.targets where parsers.contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags([coverage])]
    }
    package.targets += [
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/Sources/CLibFuzzer"),
        .executableTarget(
            name: "coalition-fuzz",
            dependencies: [
                "CLibFuzzer", "Coalition", "MembershipCore", "MediaCore", "QoSModel", "Discovery", "Allocation", "ServiceCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Fuzz/Sources/coalition-fuzz",
            swiftSettings: [.unsafeFlags([coverage, "-parse-as-library"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer"])]),
    ]
}
