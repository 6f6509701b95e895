//! Threads that run request handlers: reused across requests and grown whenever every one is
//! busy. Growing keeps the rule that a handler blocked on the host never delays another
//! request; reuse spares a warm plugin a thread start on every call.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};

use super::link::lock;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    /// Workers waiting for a job.
    idle: usize,
}

/// The pool.
#[derive(Default)]
pub(crate) struct Workers {
    state: Mutex<State>,
    ready: Condvar,
}

impl Workers {
    /// Runs `job` on an idle worker, or on a new one when none is idle.
    pub(crate) fn run(self: &Arc<Self>, job: Job) -> std::io::Result<()> {
        let mut state = lock(&self.state);
        state.queue.push_back(job);
        if state.idle >= state.queue.len() {
            self.ready.notify_one();
            return Ok(());
        }
        drop(state);
        let workers = Arc::clone(self);
        std::thread::Builder::new()
            .name("ratify-plugin-worker".into())
            .spawn(move || workers.work())?;
        Ok(())
    }

    fn work(&self) {
        let mut state = lock(&self.state);
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                job();
                state = lock(&self.state);
                continue;
            }
            state.idle += 1;
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            state.idle -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    #[test]
    fn a_blocked_job_never_delays_the_next_one() {
        let workers = Arc::new(Workers::default());
        let (release_tx, release_rx) = channel::<()>();
        let (done_tx, done_rx) = channel();
        let blocked_done = done_tx.clone();
        workers
            .run(Box::new(move || {
                let _ = release_rx.recv();
                let _ = blocked_done.send("blocked");
            }))
            .unwrap();
        for _ in 0..3 {
            let done = done_tx.clone();
            workers
                .run(Box::new(move || {
                    let _ = done.send("quick");
                }))
                .unwrap();
        }
        for _ in 0..3 {
            assert_eq!(done_rx.recv().unwrap(), "quick");
        }
        release_tx.send(()).unwrap();
        assert_eq!(done_rx.recv().unwrap(), "blocked");
    }
}
