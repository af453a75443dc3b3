//! Terminal setup and guaranteed restore: on normal exit, on errors, on a panic (hook) and
//! around `$PAGER` (suspend and resume).

use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::{DefaultTerminal, Terminal, backend::CrosstermBackend};
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static MOUSE: AtomicBool = AtomicBool::new(false);

/// Raw mode, alternate screen, optional mouse; installs the panic hook that undoes them.
pub fn enter(mouse: bool) -> io::Result<DefaultTerminal> {
    MOUSE.store(mouse, Ordering::SeqCst);
    install_panic_hook();
    enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    let mut t = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    t.hide_cursor()?;
    t.clear()?;
    Ok(t)
}

/// Puts the terminal back the way the shell expects it. Safe to call more than once.
pub fn restore() {
    let mut out = io::stdout();
    if MOUSE.load(Ordering::SeqCst) {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, LeaveAlternateScreen, ratatui::crossterm::cursor::Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        tracing::error!("panic: {info}");
        previous(info);
    }));
}

/// Leaves the full-screen mode for an outside program (the pager), then comes back.
pub fn suspend_for(terminal: &mut DefaultTerminal, run: impl FnOnce()) -> io::Result<()> {
    restore();
    run();
    enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen)?;
    if MOUSE.load(Ordering::SeqCst) {
        execute!(out, EnableMouseCapture)?;
    }
    terminal.clear()?;
    Ok(())
}

/// Shows `raw` in `$PAGER` (default `less`), from a private temporary file.
pub fn page(raw: &[u8]) -> Result<(), String> {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("backupchecks-mail-{}.eml", std::process::id()));
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| e.to_string())?;
        f.write_all(raw).map_err(|e| e.to_string())?;
    }
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less".into());
    let mut parts = pager.split_whitespace();
    let program = parts.next().unwrap_or("less");
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(&path)
        .status();
    let _ = std::fs::remove_file(&path);
    match status {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("cannot start {program}: {e}")),
    }
}
