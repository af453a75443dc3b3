//! Copying ticket numbers, also over SSH: inside tmux `tmux load-buffer -w -`; over SSH an OSC 52
//! sequence (written by the event loop between frames); on a local desktop the native clipboard
//! plus OSC 52. The copied value is always shown in a toast as well, so nothing depends on it.

use std::io::Write;
use std::time::Duration;

/// The parts of the environment that decide the path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    pub tmux: bool,
    pub ssh: bool,
    pub display: bool,
}

impl Env {
    pub fn from_process() -> Env {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        Env {
            tmux: set("TMUX"),
            ssh: set("SSH_CONNECTION") || set("SSH_TTY"),
            display: set("DISPLAY") || set("WAYLAND_DISPLAY"),
        }
    }
}

/// Which mechanisms to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub tmux: bool,
    pub osc52: bool,
    pub native: bool,
}

pub fn plan(env: &Env) -> Plan {
    if env.tmux {
        // load-buffer -w also hands the text to the outer terminal through tmux's own OSC 52.
        Plan {
            tmux: true,
            osc52: false,
            native: false,
        }
    } else if env.ssh || !env.display {
        Plan {
            tmux: false,
            osc52: true,
            native: false,
        }
    } else {
        Plan {
            tmux: false,
            osc52: true,
            native: true,
        }
    }
}

/// One line for `doctor`: which path a copy takes here.
pub fn describe(env: &Env) -> &'static str {
    let p = plan(env);
    if p.tmux {
        "inside tmux: tmux load-buffer -w (paste buffer and, with set-clipboard, the terminal)"
    } else if p.native {
        "local desktop: native clipboard and OSC 52"
    } else if env.ssh {
        "over SSH: OSC 52 to your terminal (it must allow clipboard writes)"
    } else {
        "no display: OSC 52 to the terminal"
    }
}

/// The OSC 52 sequence that asks the terminal to set its clipboard.
pub fn osc52(value: &str) -> String {
    format!("\u{1b}]52;c;{}\u{7}", base64(value.as_bytes()))
}

/// Writes OSC 52 for `value` to the terminal.
pub fn write_osc52(out: &mut impl Write, value: &str) -> std::io::Result<()> {
    out.write_all(osc52(value).as_bytes())?;
    out.flush()
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// tmux and the native clipboard, each bounded by a short timeout. Returns the path used.
pub async fn copy_out_of_band(value: &str, plan: Plan) -> Result<String, String> {
    if plan.tmux {
        return tmux_load_buffer(value).await.map(|()| "tmux".to_string());
    }
    if plan.native {
        let v = value.to_string();
        let native = tokio::task::spawn_blocking(move || native(&v));
        return match tokio::time::timeout(Duration::from_secs(2), native).await {
            Ok(Ok(Ok(()))) => Ok("native clipboard".into()),
            Ok(Ok(Err(e))) => Err(e),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("the clipboard did not answer".into()),
        };
    }
    Ok("OSC 52".into())
}

async fn tmux_load_buffer(value: &str) -> Result<(), String> {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new("tmux")
        .args(["load-buffer", "-w", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("tmux: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(value.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
    }
    match tokio::time::timeout(Duration::from_secs(1), child.wait_with_output()).await {
        Ok(Ok(out)) if out.status.success() => Ok(()),
        Ok(Ok(out)) => Err(format!(
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(Err(e)) => Err(format!("tmux: {e}")),
        Err(_) => Err("tmux did not answer".into()),
    }
}

/// The native clipboard. On X11 the contents vanish when the owner drops, so one clipboard
/// lives for the whole program.
fn native(value: &str) -> Result<(), String> {
    static CLIPBOARD: std::sync::Mutex<Option<arboard::Clipboard>> = std::sync::Mutex::new(None);
    let mut slot = CLIPBOARD.lock().map_err(|_| "clipboard lock".to_string())?;
    if slot.is_none() {
        *slot = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
    }
    match slot.as_mut() {
        Some(c) => c.set_text(value.to_string()).map_err(|e| e.to_string()),
        None => Err("no clipboard".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_follows_the_environment() {
        let tmux = Env {
            tmux: true,
            ssh: true,
            display: false,
        };
        assert_eq!(
            plan(&tmux),
            Plan {
                tmux: true,
                osc52: false,
                native: false
            }
        );
        let ssh = Env {
            tmux: false,
            ssh: true,
            display: true,
        };
        assert_eq!(
            plan(&ssh),
            Plan {
                tmux: false,
                osc52: true,
                native: false
            }
        );
        let desktop = Env {
            tmux: false,
            ssh: false,
            display: true,
        };
        assert_eq!(
            plan(&desktop),
            Plan {
                tmux: false,
                osc52: true,
                native: true
            }
        );
    }

    #[test]
    fn osc52_is_base64_between_esc_and_bel() {
        assert_eq!(
            osc52("T20261126.0042"),
            "\u{1b}]52;c;VDIwMjYxMTI2LjAwNDI=\u{7}"
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b""), "");
    }
}
