// swift-tools-version:6.0
// Switchyard: an OpenAI-compatible LLM router. No SwiftPM package dependencies by design:
// only the toolchain and Debian C libraries (libcurl, libhiredis, libyaml) wrapped as system-library targets.
import PackageDescription

// Checked arithmetic and bounds in every configuration: the parsers face the network, so an indexing mistake must
// trap, not corrupt memory. Measured hot spots use unchecked operations locally, with a comment saying why.
// Release builds do turn off the *dynamic* exclusivity checks (static ones stay, and debug builds — every test run —
// keep the dynamic ones too): under callgrind they cost ~6,500 instructions per proxied request (swift_beginAccess
// and its thread-local access set, ~10% of the request), for a single-threaded loop whose tests run checked.
let strict: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "Switchyard",
    products: [
        .executable(name: "switchyard", targets: ["switchyard"]),
    ],
    targets: [
        // C modules: Linux syscalls Glibc lacks, libcurl (+ inline shims for variadic setopt), hiredis.
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CHiredis", path: "Sources/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CYAML", path: "Sources/CYAML", providers: [.apt(["libyaml-dev"])]),

        .target(name: "SwitchyardIO", dependencies: ["CLinux"], swiftSettings: strict),
        .target(name: "SwitchyardHTTP", dependencies: ["SwitchyardIO"], swiftSettings: strict),
        // Core reads the Go load balancer's YAML config with libyaml (its only C module).
        .target(name: "SwitchyardCore", dependencies: ["CYAML"], swiftSettings: strict),
        .target(name: "SwitchyardUpstream", dependencies: ["SwitchyardIO", "SwitchyardHTTP", "CCurl"], swiftSettings: strict),
        .target(name: "SwitchyardRedis", dependencies: ["SwitchyardIO", "SwitchyardCore", "CHiredis"], swiftSettings: strict),
        .target(name: "SwitchyardRouting", dependencies: ["SwitchyardCore"], swiftSettings: strict),
        .target(name: "SwitchyardCoordination", dependencies: [
            "SwitchyardRouting", "SwitchyardRedis", "SwitchyardIO", "SwitchyardCore",
        ], swiftSettings: strict),
        .target(name: "SwitchyardProviders", dependencies: ["SwitchyardCore"], swiftSettings: strict),
        .target(name: "SwitchyardPrompts", dependencies: ["SwitchyardCore"], swiftSettings: strict),
        .target(name: "SwitchyardMock", dependencies: ["SwitchyardIO", "SwitchyardHTTP", "SwitchyardCore"], swiftSettings: strict),
        .target(name: "SwitchyardGateway", dependencies: [
            "SwitchyardIO", "SwitchyardHTTP", "SwitchyardCore", "SwitchyardUpstream",
            "SwitchyardRouting", "SwitchyardProviders", "SwitchyardPrompts", "SwitchyardRedis", "SwitchyardCoordination",
        ], swiftSettings: strict),
        .target(name: "SwitchyardSupervisor", dependencies: ["SwitchyardIO", "SwitchyardCore", "CLinux"], swiftSettings: strict),
        .executableTarget(name: "switchyard", dependencies: ["SwitchyardGateway", "SwitchyardSupervisor", "SwitchyardCoordination", "SwitchyardRedis", "SwitchyardMock", "SwitchyardCore", "SwitchyardPrompts"], swiftSettings: strict),

        .target(name: "SwitchyardTestSupport", dependencies: ["SwitchyardCore"], path: "Tests/SwitchyardTestSupport"),
        // Test targets mirror the modules; SwitchyardIntegrationTests runs the real binary.
        .testTarget(name: "SwitchyardIOTests", dependencies: ["SwitchyardIO"]),
        .testTarget(name: "SwitchyardHTTPTests", dependencies: ["SwitchyardHTTP", "SwitchyardIO"]),
        .testTarget(name: "SwitchyardCoreTests", dependencies: ["SwitchyardCore"]),
        .testTarget(name: "SwitchyardUpstreamTests", dependencies: ["SwitchyardUpstream", "SwitchyardHTTP", "SwitchyardIO"]),
        .testTarget(name: "SwitchyardRoutingTests", dependencies: ["SwitchyardRouting", "SwitchyardCore"]),
        .testTarget(name: "SwitchyardPromptsTests", dependencies: ["SwitchyardPrompts", "SwitchyardCore", "SwitchyardTestSupport"]),
        .testTarget(name: "SwitchyardProvidersTests", dependencies: ["SwitchyardProviders", "SwitchyardCore"]),
        .testTarget(name: "SwitchyardGatewayTests", dependencies: ["SwitchyardGateway", "SwitchyardCore", "SwitchyardHTTP", "SwitchyardIO", "SwitchyardUpstream", "SwitchyardRouting", "SwitchyardProviders"]),
        .testTarget(name: "SwitchyardSupervisorTests", dependencies: ["SwitchyardSupervisor"]),
        .testTarget(name: "SwitchyardRedisTests", dependencies: ["SwitchyardRedis", "SwitchyardIO", "SwitchyardCore", "SwitchyardTestSupport", "CHiredis"]),
        .testTarget(name: "SwitchyardCoordinationTests", dependencies: ["SwitchyardCoordination", "SwitchyardRouting", "SwitchyardRedis", "SwitchyardIO", "SwitchyardCore", "SwitchyardTestSupport"]),
        .testTarget(name: "SwitchyardIntegrationTests", dependencies: ["SwitchyardTestSupport", "SwitchyardCore"]),
    ],
    swiftLanguageModes: [.v6]
)
