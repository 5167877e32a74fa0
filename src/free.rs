//! Freeing large values off the path the user waits on.
//!
//! A run builds values of millions of small allocations (parse trees, the
//! Guard model document) and frees them value by value. Where nothing
//! needs that memory again soon, the freeing can run on another core while
//! the run goes on, or be left to the operating system when the process is
//! about to exit.

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the process exits once the current run returns: set by the binary.
static EXITING_AFTER_RUN: AtomicBool = AtomicBool::new(false);

/// Tells the library that the process exits when the run returns, so that
/// the memory of a run need not be freed value by value first (tens of
/// milliseconds on a large repository). Where the process goes on, as in the
/// tests, everything is freed as usual.
pub fn exit_after_run() {
    EXITING_AFTER_RUN.store(true, Ordering::Relaxed);
}

/// Whether the process exits once the current run returns: it is the
/// binary's, and the run may set up what a process has once (its threads).
pub fn exiting_after_run() -> bool {
    EXITING_AFTER_RUN.load(Ordering::Relaxed)
}

/// Frees `value`, or leaves it to the operating system when the process is
/// about to exit.
pub fn unless_exiting<T>(value: T) {
    if EXITING_AFTER_RUN.load(Ordering::Relaxed) {
        std::mem::forget(value);
    }
}

/// Frees `value` on a thread of its own, so that the caller goes on at once.
/// Only for values whose memory the run does not need back soon: until that
/// thread is done, it stays taken. The thread is not waited for; at exit,
/// the operating system takes what it has not freed yet. Where no thread
/// can be started, `spawn` drops its closure, and with it the value, here.
pub fn in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("free".into())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Says on a channel when it is dropped.
    struct Tell(std::sync::mpsc::Sender<std::thread::ThreadId>);

    impl Drop for Tell {
        fn drop(&mut self) {
            let _ = self.0.send(std::thread::current().id());
        }
    }

    #[test]
    fn a_value_freed_in_the_background_is_freed_on_another_thread() {
        let (tx, rx) = std::sync::mpsc::channel();
        in_background(Tell(tx));
        let freed_on = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the value is dropped");
        assert_ne!(freed_on, std::thread::current().id());
    }
}
