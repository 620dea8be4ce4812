// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Coalition",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "node", targets: ["node"]),
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

        // Pure: the QoS model, presets, capability profiles, evaluation. No I/O, no C.
        .target(name: "QoSModel"),
        // Pure: choosing every service's level to maximise weighted QoS within the pooled
        // capacity (exact, FPTAS, greedy, and the baselines). No I/O, no clocks, no dependencies.
        .target(name: "Allocation"),
        // Decode benchmarks, clip synthesis, system sampling.
        .target(
            name: "Profiler",
            dependencies: ["QoSModel", "CFFmpeg", "CProc2", .product(name: "Logging", package: "swift-log")]),
        // DNS-SD through the system Avahi daemon.
        .target(
            name: "Discovery",
            dependencies: ["CAvahi", .product(name: "Logging", package: "swift-log")]),
        // Membership, failure detection, wire protocol, queries, reservations, sub-clusters.
        .target(
            name: "Coalition",
            dependencies: [
                "QoSModel", "Discovery", "Profiler", "CLinuxSocket",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "node",
            dependencies: [
                "QoSModel", "Profiler", "Discovery", "Coalition",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),

        .testTarget(name: "QoSModelTests", dependencies: ["QoSModel"]),
        .testTarget(name: "AllocationTests", dependencies: ["Allocation"]),
        .testTarget(name: "ProfilerTests", dependencies: ["Profiler", "QoSModel"]),
        .testTarget(name: "DiscoveryTests", dependencies: ["Discovery"]),
        .testTarget(name: "CoalitionTests", dependencies: ["Coalition", "QoSModel"]),
        .testTarget(
            name: "NodeTests",
            dependencies: ["node", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Integration tests that run real processes in the lab (network namespaces; needs root).
        .testTarget(name: "LabTests", dependencies: ["QoSModel"]),
    ],
    swiftLanguageModes: [.v6]
)
