// The libFuzzer and sanitizer entry points the fuzz executable calls. Both live in the runtime
// libraries that `-sanitize=fuzzer,address` links (libclang_rt.fuzzer, libclang_rt.asan), so this
// target links nothing itself.
#ifndef COALITION_CLIBFUZZER_SHIM_H
#define COALITION_CLIBFUZZER_SHIM_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, for a program with its own main (LLVM >= 11): parses libFuzzer's flags
/// from argv and fuzzes `callback`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

/// AddressSanitizer's allocation hooks: called on every malloc and free of the process.
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *pointer, size_t size), void (*free_hook)(const volatile void *pointer));

/// SwiftPM links an executable target with `main` renamed to `<module>_main`; libFuzzer's own
/// main would collide with it, so the executable defines `coalition_fuzz_main` and runs the
/// driver from there (argc and argv by address, as the driver takes them).
static inline int coalition_fuzz_run(int argc, char **argv, int (*callback)(const uint8_t *, size_t)) {
    return LLVMFuzzerRunDriver(&argc, &argv, callback);
}
#endif
