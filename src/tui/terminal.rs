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

/// Shows `text` in `$PAGER` (default `less`) from a temporary file that only this user can read,
/// with an unpredictable name, created exclusively (no other file or link is ever written
/// through), removed afterwards.
pub fn page(text: &str) -> Result<(), String> {
    let mut file = tempfile::Builder::new()
        .prefix("backupchecks-mail-")
        .suffix(".txt")
        .tempfile()
        .map_err(|e| format!("cannot write the mail for the pager: {e}"))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write the mail for the pager: {e}"))?;
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less".into());
    let mut parts = pager.split_whitespace();
    let program = parts.next().unwrap_or("less");
    let status = std::process::Command::new(program)
        .args(parts)
        .arg(file.path())
        .status();
    match status {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("cannot start {program}: {e}")),
    }
}

/// Opens `path` with `$BROWSER`: the first of a `:`-separated list, `%s` replaced by the path
/// (else the path comes last), run without a shell.
pub fn browse(path: &str) -> Result<(), String> {
    let browser = std::env::var("BROWSER").unwrap_or_default();
    let (program, args) =
        browser_command(&browser, path).ok_or_else(|| "$BROWSER is not set".to_string())?;
    match std::process::Command::new(&program).args(&args).status() {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("cannot start {program}: {e}")),
    }
}

/// The program and arguments `$BROWSER` means for `path`.
pub fn browser_command(browser: &str, path: &str) -> Option<(String, Vec<String>)> {
    let first = browser.split(':').map(str::trim).find(|b| !b.is_empty())?;
    let mut parts = first.split_whitespace().map(str::to_string);
    let program = parts.next()?;
    let mut args: Vec<String> = parts.collect();
    if args.iter().any(|a| a.contains("%s")) {
        args = args.into_iter().map(|a| a.replace("%s", path)).collect();
    } else {
        args.push(path.to_string());
    }
    Some((program, args))
}

#[cfg(test)]
mod tests {
    #[test]
    fn browser_takes_the_first_entry_and_the_path() {
        use super::browser_command;
        assert_eq!(
            browser_command("firefox --new-tab", "/r.html"),
            Some(("firefox".into(), vec!["--new-tab".into(), "/r.html".into()]))
        );
        assert_eq!(
            browser_command("w3m %s:lynx", "/r.html"),
            Some(("w3m".into(), vec!["/r.html".into()]))
        );
        assert_eq!(browser_command("  ", "/r.html"), None);
    }

    #[test]
    fn the_pager_reads_a_private_file_with_a_fresh_name_removed_afterwards() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("seen");
        let script = dir.path().join("pager.sh");
        std::fs::write(
            &script,
            format!(
                "stat -c '%a %n' \"$1\" >> {out}\ncat \"$1\" >> {out}\n",
                out = out.display()
            ),
        )
        .unwrap();
        // SAFETY of the test: no other test reads PAGER.
        unsafe { std::env::set_var("PAGER", format!("sh {}", script.display())) };
        super::page("first\n").unwrap();
        super::page("second\n").unwrap();
        unsafe { std::env::remove_var("PAGER") };
        let seen = std::fs::read_to_string(&out).unwrap();
        let names: Vec<&str> = seen
            .lines()
            .filter_map(|l| l.strip_prefix("600 "))
            .collect();
        assert_eq!(names.len(), 2, "both files were 0600: {seen}");
        assert_ne!(names[0], names[1], "a fresh name each time");
        for n in &names {
            assert!(n.contains("backupchecks-mail-"), "{n}");
            assert!(!std::path::Path::new(n).exists(), "removed afterwards: {n}");
        }
        assert!(seen.contains("first") && seen.contains("second"), "{seen}");
    }
}
