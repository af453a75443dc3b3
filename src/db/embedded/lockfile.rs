//! `flock` locks that coordinate processes sharing one embedded cluster: an exclusive lock
//! around start/stop, and a shared lock held by every running instance.

use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

pub type Held = Flock<File>;

fn open(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
}

fn lock(path: &Path, arg: FlockArg) -> io::Result<Held> {
    Flock::lock(open(path)?, arg).map_err(|(_, errno)| io::Error::from(errno))
}

/// Waits for an exclusive lock.
pub fn exclusive(path: &Path) -> io::Result<Held> {
    lock(path, FlockArg::LockExclusive)
}

/// Waits for a shared lock.
pub fn shared(path: &Path) -> io::Result<Held> {
    lock(path, FlockArg::LockShared)
}

/// An exclusive lock if nobody else holds the file, else `None`.
pub fn try_exclusive(path: &Path) -> io::Result<Option<Held>> {
    match Flock::lock(open(path)?, FlockArg::LockExclusiveNonblock) {
        Ok(l) => Ok(Some(l)),
        Err((_, nix::errno::Errno::EWOULDBLOCK)) => Ok(None),
        Err((_, e)) => Err(io::Error::from(e)),
    }
}
