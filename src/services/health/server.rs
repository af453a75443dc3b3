//! `GET /health` over HTTP/1.1: a responder of a few dozen lines on tokio's TCP listener. No HTTP
//! server is among the program's dependencies (reqwest is a client), and one endpoint that
//! answers a monitoring probe needs no routing, keep-alive or TLS: each connection gets one
//! response and is closed.
//!
//! It listens on loopback unless told otherwise: the report names services and their errors.

use super::{HealthReport, check};
use crate::services::status::StatusCell;
use sqlx::PgPool;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// The largest request head read; a probe sends a few hundred bytes.
const MAX_REQUEST: usize = 8 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections answered at once; more wait to be accepted.
const MAX_CONNECTIONS: usize = 16;

/// Where to listen: `PORT` alone means loopback (`127.0.0.1:PORT`); an address that is not
/// loopback is refused unless `allow_remote`, and then comes with a warning to show loudly.
pub fn listen_address(
    text: &str,
    allow_remote: bool,
) -> Result<(SocketAddr, Option<String>), String> {
    let text = text.trim();
    let addr = match text.parse::<u16>() {
        Ok(port) => SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
        Err(_) => text.parse::<SocketAddr>().map_err(|_| {
            format!("--health-listen {text:?} is no address: give PORT or ADDRESS:PORT, e.g. 127.0.0.1:9187")
        })?,
    };
    if addr.ip().is_loopback() {
        return Ok((addr, None));
    }
    if !allow_remote {
        return Err(format!(
            "refusing to serve /health on {addr}, which is reachable from other machines: \
             use a loopback address such as 127.0.0.1:{}, or add --health-allow-remote",
            addr.port()
        ));
    }
    Ok((
        addr,
        Some(format!(
            "WARNING: /health is served on {addr}, reachable from other machines; it names \
             services and their errors, so limit who can reach it"
        )),
    ))
}

/// A running health endpoint.
#[derive(Debug)]
pub struct HealthServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl HealthServer {
    /// Binds `addr` and starts answering for `pool` and `services`.
    pub async fn start(
        addr: SocketAddr,
        pool: PgPool,
        services: Vec<StatusCell>,
    ) -> std::io::Result<HealthServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(accept_loop(listener, pool, Arc::new(services)));
        Ok(HealthServer { addr, task })
    }

    /// The bound address (the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, pool: PgPool, services: Arc<Vec<StatusCell>>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: pause rather than spin.
                tracing::warn!(error = %e, "health endpoint: accepting a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let pool = pool.clone();
        let services = Arc::clone(&services);
        tokio::spawn(async move {
            if let Err(e) = answer(stream, &pool, &services).await {
                tracing::debug!(error = %e, "health endpoint: a connection failed");
            }
            drop(permit);
        });
    }
}

/// The request line's method and path, once the head is complete; `None` while incomplete.
fn request_line(head: &[u8]) -> Option<(String, String)> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let text = String::from_utf8_lossy(&head[..end]);
    let line = text.lines().next().unwrap_or("");
    let mut parts = line.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("");
    let path = target.split('?').next().unwrap_or("").to_string();
    Some((method, path))
}

async fn answer(
    mut stream: TcpStream,
    pool: &PgPool,
    services: &[StatusCell],
) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    let request = tokio::time::timeout(READ_TIMEOUT, async {
        loop {
            if let Some(line) = request_line(&head) {
                return Ok::<_, std::io::Error>(Some(line));
            }
            if head.len() >= MAX_REQUEST {
                return Ok(None);
            }
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(None);
            }
            head.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .unwrap_or(Ok(None))?;
    let Some((method, path)) = request else {
        return respond(
            &mut stream,
            400,
            "Bad Request",
            r#"{"error":"bad request"}"#,
            true,
        )
        .await;
    };
    let with_body = method != "HEAD";
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            405,
            "Method Not Allowed",
            r#"{"error":"only GET and HEAD"}"#,
            true,
        )
        .await;
    }
    if path != "/health" {
        return respond(
            &mut stream,
            404,
            "Not Found",
            r#"{"error":"not found"}"#,
            with_body,
        )
        .await;
    }
    let report: HealthReport = check(pool, services).await;
    let body = serde_json::to_string(&report).unwrap_or_else(|e| format!(r#"{{"error":"{e}"}}"#));
    let (code, reason) = if report.is_healthy() {
        (200, "OK")
    } else {
        (503, "Service Unavailable")
    };
    respond(&mut stream, code, reason, &body, with_body).await
}

async fn respond(
    stream: &mut TcpStream,
    code: u16,
    reason: &str,
    body: &str,
    with_body: bool,
) -> std::io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n",
        body.len()
    );
    if code == 405 {
        out.push_str("Allow: GET, HEAD\r\n");
    }
    out.push_str("\r\n");
    if with_body {
        out.push_str(body);
    }
    stream.write_all(out.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_alone_means_loopback_and_remote_addresses_need_consent() {
        let (addr, warn) = listen_address("9187", false).unwrap();
        assert_eq!(addr.to_string(), "127.0.0.1:9187");
        assert!(warn.is_none());
        assert!(listen_address("[::1]:9187", false).unwrap().1.is_none());
        let err = listen_address("0.0.0.0:9187", false).unwrap_err();
        assert!(
            err.contains("refusing") && err.contains("--health-allow-remote"),
            "{err}"
        );
        let (addr, warn) = listen_address("0.0.0.0:9187", true).unwrap();
        assert_eq!(addr.port(), 9187);
        assert!(warn.unwrap().starts_with("WARNING"));
        assert!(listen_address("localhost:x", false).is_err());
    }

    #[test]
    fn the_request_line_is_read_once_the_head_is_complete() {
        assert_eq!(request_line(b"GET /health HTTP/1.1\r\nHost: x\r\n"), None);
        assert_eq!(
            request_line(b"GET /health?x=1 HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some(("GET".into(), "/health".into()))
        );
    }
}
