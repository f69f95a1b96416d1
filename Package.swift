// swift-tools-version: 6.0
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
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
    ],
    targets: [
        /// The executable: command line and wiring only.
        .executableTarget(
            name: "keepalivedd",
            dependencies: ["KeepalivedCLI"],
            swiftSettings: strictSettings
        ),
        /// Command line handling (config test, dump), kept in a library so tests can drive it.
        .target(
            name: "KeepalivedCLI",
            dependencies: [
                "ConfParser", "VRRP", "HealthCheck", "IPVSSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        /// keepalived.conf: lexer, preprocessor, keyword tree, typed Config, diagnostics.
        .target(name: "ConfParser", swiftSettings: strictSettings),
        /// VRRP codec, state machines and shell (VRRP issue).
        .target(name: "VRRP", dependencies: ["ConfParser", "CRawSocket"], swiftSettings: strictSettings),
        /// Health checkers (HealthCheck issue).
        .target(name: "HealthCheck", dependencies: ["ConfParser"], swiftSettings: strictSettings),
        /// IPVS model, reconciler and generic-netlink backend (IPVSSync issue).
        .target(name: "IPVSSync", dependencies: ["ConfParser", "CNetlink"], swiftSettings: strictSettings),
        /// C shims for what Swift cannot express well (CMSG, packet sockets).
        .target(name: "CRawSocket"),
        /// libnl-3 (core, route, genl) through pkg-config.
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-genl-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-route-3-dev", "libnl-genl-3-dev"])]
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
