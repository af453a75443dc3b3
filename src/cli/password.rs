//! Reading a password from the terminal without showing it, as PostgreSQL's own clients do.

use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::crossterm::terminal;
use std::io::{BufRead, IsTerminal, Write};

/// Asks for a password on the terminal (nothing echoed). Without a terminal, reads one line from
/// standard input, so scripts can pipe it in. `None`: the user gave up (Esc, Ctrl-C, end of input).
pub fn prompt(label: &str) -> anyhow::Result<Option<String>> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        if std::io::stdin().lock().read_line(&mut line)? == 0 {
            return Ok(None);
        }
        return Ok(Some(line.trim_end_matches(['\r', '\n']).to_string()));
    }
    eprint!("{label}");
    std::io::stderr().flush()?;
    terminal::enable_raw_mode()?;
    let typed = read_hidden();
    // The terminal is given back whatever happened while reading.
    let _ = terminal::disable_raw_mode();
    eprintln!();
    typed
}

fn read_hidden() -> anyhow::Result<Option<String>> {
    let mut typed = String::new();
    loop {
        let Event::Key(k) = event::read()? else {
            continue;
        };
        if k.kind != KeyEventKind::Press {
            continue;
        }
        match k.code {
            KeyCode::Enter => return Ok(Some(typed)),
            KeyCode::Esc => return Ok(None),
            KeyCode::Char('c' | 'd') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                return Ok(None);
            }
            KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => typed.clear(),
            KeyCode::Backspace => {
                typed.pop();
            }
            KeyCode::Char(c) => typed.push(c),
            _ => {}
        }
    }
}
