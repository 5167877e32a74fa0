// The allocator of the binary, and of the benchmark's parse-only floor
// (bench/parse_only.rs) so that the floor differs from `check` only by the
// analysis: both `include!` this file.

// mimalloc instead of glibc malloc: the pipeline allocates many small,
// short-lived nodes, and glibc spent 20-35% of `check` in malloc/free
// (a third of it in malloc_consolidate).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Option numbers in mimalloc v3's `mimalloc.h` (the `extended` bindings
/// have no constants for them).
#[cfg(target_os = "linux")]
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
#[cfg(target_os = "linux")]
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc's defaults keep peak RSS 20-75% above glibc's: it commits a
/// whole arena up front and returns freed pages only after a second. Here
/// it commits on demand and returns pages after 10 ms: returning them at
/// once (0) cost a third of the time of a 10,000-file scan in page faults
/// and TLB flushes, for 3% less peak memory. Both options are read when
/// mimalloc loads (a constructor of priority 101), before `main`, so they
/// are set from an earlier constructor. These are defaults only:
/// `MIMALLOC_*` environment variables still override them.
#[cfg(target_os = "linux")]
extern "C" fn mimalloc_defaults() {
    // SAFETY: stores plain integers in mimalloc's option table; no
    // allocation happens and no other thread exists yet.
    unsafe {
        libmimalloc_sys::mi_option_set_default(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set_default(MI_OPTION_PURGE_DELAY, 10);
    }
}

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array.00100"]
static MIMALLOC_DEFAULTS: extern "C" fn() = mimalloc_defaults;
