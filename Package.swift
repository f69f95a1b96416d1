// swift-tools-version: 6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// How the daemon is linked on Linux, for fewer resident pages (lab, 1,000 TCP_CHECKs, peak RSS
/// 14.3 -> 11.2 MB). lld packs the position-independent executable's 107,000 relative relocations
/// (2.5 MB, read at every start) into a few kilobytes of DT_RELR (glibc 2.36, Debian 12), and
/// `--no-export-dynamic` undoes the static Swift runtime's `-export-dynamic`, whose 30,000 exported
/// symbols the loader read at every start. The executable stays position-independent (ASLR).
/// In release builds (static Swift runtime), `link/libstdc++.so` is a linker script naming the
/// static libstdc++: the runtime asks for `-lstdc++` before any flag here could, and the shared
/// libstdc++ kept 0.6 MB of its symbol tables resident for the few functions the runtime calls
/// (lab, 1,000 TCP_CHECKs: 11.0 -> 10.4 MB).
let leanExecutable: [LinkerSetting] = [
    .unsafeFlags(
        ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"],
        .when(platforms: [.linux])
    ),
    // Release only: a debug build links the shared Swift runtime, which loads the shared libstdc++.
    .unsafeFlags(["-L", Context.packageDirectory + "/link"], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "keepalivedd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "keepalivedd", targets: ["keepalivedd"]),
        .library(name: "ConfParser", targets: ["ConfParser"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        /// The executable: command line and wiring only.
        .executableTarget(
            name: "keepalivedd",
            dependencies: ["KeepalivedCLI"],
            swiftSettings: strictSettings,
            linkerSettings: leanExecutable
        ),
        /// The health engine alone against local listeners, for profiling probes
        /// (scripts/health-engine-bench.py).
        .executableTarget(
            name: "health-engine-bench",
            dependencies: ["HealthCheck", "ConfParser", "IPVSSync", "DaemonSupport"],
            swiftSettings: strictSettings
        ),
        /// Command line handling (config test, dump), kept in a library so tests can drive it.
        .target(
            name: "KeepalivedCLI",
            dependencies: [
                "ConfParser", "VRRP", "HealthCheck", "IPVSSync", "DaemonSupport", "TrackFiles", "CMemory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        /// keepalived.conf: lexer, preprocessor, keyword tree, typed Config, diagnostics.
        .target(name: "ConfParser", swiftSettings: strictSettings),
        /// Track files followed with inotify, for FILE_CHECK and VRRP's track_file.
        .target(name: "TrackFiles", dependencies: ["ConfParser"], swiftSettings: strictSettings),
        /// VRRP codec, state machines and shell (VRRP issue).
        .target(
            name: "VRRP",
            dependencies: ["ConfParser", "TrackFiles", "CRawSocket", "CNetlink", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        /// Health checkers: pure health records and quorum, Dispatch scheduling, NIO-based probes.
        .target(
            name: "HealthCheck",
            dependencies: [
                "ConfParser", "IPVSSync", "CRawSocket",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        /// What the daemon offers around the engines: syslog through swift-log, sd_notify, SMTP alerts,
        /// the status socket, Prometheus metrics and keepalived's dump files.
        .target(
            name: "DaemonSupport",
            dependencies: [
                "ConfParser", "VRRP", "HealthCheck", "IPVSSync",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        /// IPVS model, reconciler and generic-netlink backend (IPVSSync issue).
        .target(name: "IPVSSync", dependencies: ["ConfParser", "CNetlink"], swiftSettings: strictSettings),
        /// C shims for what Swift cannot express well (CMSG, packet sockets).
        .target(name: "CRawSocket"),
        /// glibc's <malloc.h> (mallopt, malloc_trim) and prctl, which Swift's Glibc module leaves out or cannot call.
        .systemLibrary(name: "CMemory"),
        /// libnl-3 (core, route, genl) through pkg-config.
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-genl-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-route-3-dev", "libnl-genl-3-dev"])]
        ),
        .testTarget(name: "VRRPTests", dependencies: ["VRRP", "ConfParser"], swiftSettings: strictSettings),
        .testTarget(
            name: "HealthCheckTests",
            dependencies: [
                "HealthCheck", "IPVSSync", "ConfParser", "TrackFiles",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DaemonSupportTests",
            dependencies: [
                "DaemonSupport", "ConfParser", "VRRP", "HealthCheck", "IPVSSync",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "IPVSSyncTests", dependencies: ["IPVSSync", "ConfParser"], swiftSettings: strictSettings),
        .testTarget(
            name: "ConfParserTests",
            dependencies: ["ConfParser", "KeepalivedCLI"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
