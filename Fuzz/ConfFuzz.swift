// libFuzzer entry point for the configuration parser: `make fuzz` compiles this file together
// with Sources/ConfParser/*.swift (one module, AddressSanitizer on) and feeds it random and
// mutated keepalived.conf texts. Any crash, trap, leak or hang is a bug in ConfParser: every
// input must end in a Config plus diagnostics.

import Foundation

/// Loads the bytes as a configuration file named fuzz.conf, then formats its diagnostics and
/// encodes the model as JSON, as `keepalivedd -t` and `--dump-conf` do. Includes resolve against an
/// in-memory file system holding only that file, so the fuzzer never reads the real disk.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let result = ConfigLoader.load(text: text, name: "fuzz.conf")
    // Touch what the config test prints, so formatting is fuzzed as well.
    var printed = 0
    for diagnostic in result.diagnostics.items {
        printed &+= diagnostic.description.utf8.count
    }
    _ = result.status
    // And what --dump-conf prints: the model's Encodable conformances.
    _ = try? JSONEncoder().encode(result.config)
    return printed < 0 ? 1 : 0
}
