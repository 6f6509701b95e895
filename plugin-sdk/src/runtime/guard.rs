//! Keeps stray prints from corrupting the protocol.
//!
//! The protocol owns the process's original stdout. Before serving, the SDK moves it to a new
//! file descriptor and points fd 1 at stderr, so a `println!` anywhere in plugin code (or in a
//! library it uses) lands in the host's log instead of in the middle of a message.

use std::io::Write;

/// Takes the real stdout for the protocol and redirects fd 1 to stderr.
#[cfg(unix)]
pub(super) fn take_stdout() -> Box<dyn Write + Send> {
    use std::os::fd::AsFd;
    let stdout = std::io::stdout();
    // Flush anything printed before `run` so it does not reach the protocol later.
    let _ = stdout.lock().flush();
    match stdout.as_fd().try_clone_to_owned() {
        Ok(protocol) => {
            // SAFETY: dup2 on two valid descriptors owned by this process; fd 1 now refers to
            // stderr's file, and `protocol` keeps the original stdout open.
            let redirected = unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) };
            if redirected < 0 {
                eprintln!(
                    "ratify plugin: cannot guard stdout; stray prints may break the protocol"
                );
            }
            Box::new(std::io::BufWriter::new(std::fs::File::from(protocol)))
        }
        Err(e) => {
            eprintln!(
                "ratify plugin: cannot guard stdout ({e}); stray prints may break the protocol"
            );
            Box::new(std::io::stdout())
        }
    }
}

/// Without fd redirection, the protocol uses stdout as is.
#[cfg(not(unix))]
pub(super) fn take_stdout() -> Box<dyn Write + Send> {
    Box::new(std::io::stdout())
}
