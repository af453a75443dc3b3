//! Telling systemd how the service is doing (`Type=notify`): `READY=1` once the services run,
//! `STOPPING=1` when a stop begins, `STATUS=…` for `systemctl status`. The protocol is one
//! datagram to the socket named by `NOTIFY_SOCKET` (a path, or `@name` in the abstract
//! namespace); a few lines here instead of a dependency. Without the variable nothing is sent.

use std::io;
use std::os::unix::net::UnixDatagram;

/// Sends `state` (newline-separated `KEY=value` lines) to `socket`.
pub fn notify_to(socket: &str, state: &str) -> io::Result<()> {
    let sock = UnixDatagram::unbound()?;
    match socket.strip_prefix('@') {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes())?;
            sock.send_to_addr(state.as_bytes(), &addr)?;
        }
        None => {
            sock.send_to(state.as_bytes(), socket)?;
        }
    }
    Ok(())
}

/// Sends `state` to systemd when this process runs as a notify service; a failure is logged,
/// never fatal (the service works the same, systemd only learns less).
pub fn notify(state: &str) {
    let Some(socket) = std::env::var("NOTIFY_SOCKET")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    if let Err(e) = notify_to(&socket, state) {
        tracing::warn!(error = %e, "telling systemd {state:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_arrives_as_one_datagram() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        notify_to(path.to_str().unwrap(), "READY=1\nSTATUS=running").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=running");
    }

    #[test]
    fn the_abstract_namespace_is_reached_with_an_at_sign() {
        use std::os::linux::net::SocketAddrExt;
        let name = format!("backupchecks-test-{}", std::process::id());
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixDatagram::bind_addr(&addr).unwrap();
        notify_to(&format!("@{name}"), "STOPPING=1").unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"STOPPING=1");
    }
}
