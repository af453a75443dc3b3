//! The full-screen terminal interface: setup/teardown, the event loop, `App` state, actions,
//! views and widgets. Views render from state only; database work runs in spawned tasks.

pub mod action;
pub mod app;
pub mod ascii;
pub mod clipboard;
pub mod dialogs;
pub mod input;
pub mod keymap;
pub mod list;
pub mod pager;
pub mod panes;
pub mod sanitize;
pub mod screen_capture;
pub mod table;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod wrap;

use action::Action;
use app::App;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Reads terminal events on a thread of its own (crossterm's reader blocks). While `paused`, it
/// leaves the terminal to the pager.
fn spawn_input(tx: mpsc::UnboundedSender<Event>, paused: Arc<AtomicBool>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            if paused.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            match event::poll(Duration::from_millis(50)) {
                Ok(true) => match event::read() {
                    Ok(ev) => {
                        if tx.send(ev).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                },
                Ok(false) => {}
                Err(_) => break,
            }
        }
    });
}

/// Runs the interface until the operator quits. `background` carries events of the services
/// running in this process (importer, missed-run scheduler, change notifications).
pub async fn run(
    mut app: App,
    mut background: mpsc::UnboundedReceiver<Action>,
    mouse: bool,
) -> io::Result<()> {
    let mut terminal = terminal::enter(mouse)?;
    let result = event_loop(&mut terminal, &mut app, &mut background).await;
    terminal::restore();
    result
}

/// Logs how long after the program started the first frame was drawn, and the first frame with
/// every load of the start finished (the Performance section of the README reads them).
#[derive(Default)]
struct Startup {
    first: bool,
    complete: bool,
}

impl Startup {
    fn drawn(&mut self, loads_finished: bool) {
        if !std::mem::replace(&mut self.first, true) {
            tracing::info!(
                "first frame drawn {} ms after start",
                crate::logging::since_start().as_millis()
            );
        }
        if loads_finished && !std::mem::replace(&mut self.complete, true) {
            tracing::info!(
                "first complete frame (every load of the start finished) drawn {} ms after start",
                crate::logging::since_start().as_millis()
            );
        }
    }
}

/// The shortest time between two frames: a burst of keys or results costs one draw.
const FRAME: Duration = Duration::from_millis(16);

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    background: &mut mpsc::UnboundedReceiver<Action>,
) -> io::Result<()> {
    let (tx, mut input) = mpsc::unbounded_channel();
    let paused = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    spawn_input(tx, paused.clone(), stop.clone());
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigterm = signal(SignalKind::terminate())?;
    // A dropped SSH session sends SIGHUP: leave as cleanly as on SIGTERM.
    let mut sighup = signal(SignalKind::hangup())?;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    app.reload();
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    let mut startup = Startup::default();
    let result = loop {
        let frame_due = last_draw.map_or(Instant::now(), |t| t + FRAME);
        if dirty && Instant::now() >= frame_due {
            terminal.draw(|f| view::draw(f, app))?;
            // OSC 52 goes straight to the terminal between frames.
            for value in app.osc52.drain(..) {
                clipboard::write_osc52(&mut io::stdout(), &value)?;
            }
            dirty = false;
            last_draw = Some(Instant::now());
            startup.drawn(app.tasks.is_empty());
        }
        if let Some(text) = app.pager.take() {
            paused.store(true, Ordering::SeqCst);
            // Let the reader thread finish its current poll before the pager takes the tty.
            tokio::time::sleep(Duration::from_millis(60)).await;
            let mut outcome = Ok(());
            terminal::suspend_for(terminal, || outcome = terminal::page(&text))?;
            paused.store(false, Ordering::SeqCst);
            if let Err(e) = outcome {
                app.error(e);
            }
            dirty = true;
            continue;
        }
        if let Some(path) = app.browser.take() {
            paused.store(true, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(60)).await;
            let mut outcome = Ok(());
            terminal::suspend_for(terminal, || outcome = terminal::browse(&path))?;
            paused.store(false, Ordering::SeqCst);
            if let Err(e) = outcome {
                app.error(e);
            }
            dirty = true;
            continue;
        }
        if app.quit {
            break Ok(());
        }
        tokio::select! {
            ev = input.recv() => match ev {
                Some(ev) => dirty |= on_event(app, ev),
                None => break Ok(()),
            },
            Some(done) = app.tasks.join_next(), if !app.tasks.is_empty() => {
                app.finished(done);
                dirty = true;
            }
            Some(action) = background.recv() => {
                app.update(action);
                dirty = true;
            }
            _ = tick.tick() => dirty |= app.tick(),
            // Drawing was held back to keep the frame rate: it is due now.
            _ = tokio::time::sleep_until(frame_due), if dirty => {}
            _ = sigterm.recv() => break Ok(()),
            _ = sighup.recv() => break Ok(()),
        }
        dirty |= drain(app, &mut input, background);
    };
    stop.store(true, Ordering::SeqCst);
    result
}

/// Applies one terminal event; true when the screen changes.
fn on_event(app: &mut App, ev: Event) -> bool {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            app.on_key(k);
            true
        }
        Event::Resize(..) => true,
        _ => false,
    }
}

/// Applies everything already waiting (keys, finished loads, service events) before the next
/// frame, so the screen shows the state after the whole burst; true when anything arrived.
fn drain(
    app: &mut App,
    input: &mut mpsc::UnboundedReceiver<Event>,
    background: &mut mpsc::UnboundedReceiver<Action>,
) -> bool {
    let mut dirty = false;
    while !app.quit
        && app.pager.is_none()
        && let Ok(ev) = input.try_recv()
    {
        dirty |= on_event(app, ev);
    }
    while let Some(done) = app.tasks.try_join_next() {
        app.finished(done);
        dirty = true;
    }
    while let Ok(action) = background.try_recv() {
        app.update(action);
        dirty = true;
    }
    dirty
}
