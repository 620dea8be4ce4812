import CLibFuzzer
import Glibc

/// The entry point: `coalition-fuzz TARGET [libFuzzer flags] [corpus dirs]`, or `--list`.
///
/// SwiftPM links an executable module's entry point as `<module>_main` (so tests can link the
/// module) and renames it to `main` at link time. The module is compiled with
/// `-parse-as-library` (no top-level code), so this function is that entry point; it picks the
/// target and hands the rest of argv to libFuzzer's driver (`LLVMFuzzerRunDriver`), which
/// parses libFuzzer's own flags as its stock `main` would.
@_cdecl("coalition_fuzz_main")
public func coalitionFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    let arguments = (0..<Int(argc)).map { argv[$0].map { String(cString: $0) } ?? "" }
    guard arguments.count >= 2 else {
        print("usage: coalition-fuzz TARGET [libFuzzer flags] [corpus directories]   (targets: coalition-fuzz --list)")
        return 2
    }
    if arguments[1] == "--list" {
        for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
        return 0
    }
    // libFuzzer's -jobs/-fork children are started with libFuzzer's argv only (no target
    // name): they find the target in COALITION_FUZZ_TARGET, which the parent sets.
    if !FuzzTargets.all.contains(where: { $0.name == arguments[1] }),
        let name = getenv("COALITION_FUZZ_TARGET").map({ String(cString: $0) }),
        let target = FuzzTargets.all.first(where: { $0.name == name })
    {
        Harness.select(target)
        return coalition_fuzz_run(argc, argv) { data, size in Harness.runOne(data, size) }
    }
    guard let target = FuzzTargets.all.first(where: { $0.name == arguments[1] }) else {
        print("coalition-fuzz: no target named '\(arguments[1])'; targets: \(FuzzTargets.all.map(\.name).joined(separator: ", "))")
        return 2
    }
    Harness.select(target)
    setenv("COALITION_FUZZ_TARGET", target.name, 1)
    // libFuzzer sees the program's path, then its own flags and directories.
    argv[1] = argv[0]
    return coalition_fuzz_run(argc - 1, argv + 1) { data, size in
        Harness.runOne(data, size)
    }
}

/// libFuzzer's stock entry, for tools that look for it: the selected target.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Harness.runOne(data, size)
}
