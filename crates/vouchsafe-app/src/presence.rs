//! Lock when the person leaves: on system suspend and on screen lock (Linux, D-Bus).
//!
//! - Suspend: logind emits `org.freedesktop.login1.Manager.PrepareForSleep(true)` on the
//!   system bus just before the machine sleeps (and `false` after it wakes). Only logind can
//!   own `org.freedesktop.login1` there, and the bus delivers only its signals to this rule.
//! - Screen lock: the desktop's screen saver emits `ActiveChanged(true)` on the session bus,
//!   under `org.freedesktop.ScreenSaver` (KDE, Xfce, most others) or `org.gnome.ScreenSaver`
//!   (GNOME). Any sender is accepted: a false signal can only lock the vault, never open it.
//!
//! This module matches the signals; the shell decides what leaving does (lock and tell the
//! window) and where to log that a bus is missing. Nothing here depends on Tauri, so the rules
//! are tested against a private bus.

use zbus::blocking::{Connection, MessageIterator};
use zbus::message::Type;
use zbus::{MatchRule, Message};

use crate::dto::LockReason;

/// Why the person is taken to have left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaving {
    Suspend,
    ScreenLock,
}

impl Leaving {
    pub fn reason(self) -> LockReason {
        match self {
            Self::Suspend => LockReason::Suspend,
            Self::ScreenLock => LockReason::ScreenLock,
        }
    }
}

/// One signal subscription, registered with the bus when made, so nothing sent after
/// [`Watch::suspend`] or [`Watch::screen_lock`] returns is missed.
pub struct Watch {
    signals: MessageIterator,
    leaving: Leaving,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("leaving", &self.leaving)
            .finish_non_exhaustive()
    }
}

impl Watch {
    fn new(conn: &Connection, rule: MatchRule<'_>, leaving: Leaving) -> zbus::Result<Self> {
        // A few queued signals are plenty: each one only locks.
        let signals = MessageIterator::for_match_rule(rule, conn, Some(16))?;
        Ok(Self { signals, leaving })
    }

    /// logind's `PrepareForSleep`, on `conn` (the system bus).
    pub fn suspend(conn: &Connection) -> zbus::Result<Self> {
        let rule = MatchRule::builder()
            .msg_type(Type::Signal)
            .sender("org.freedesktop.login1")?
            .path("/org/freedesktop/login1")?
            .interface("org.freedesktop.login1.Manager")?
            .member("PrepareForSleep")?
            .build();
        Self::new(conn, rule, Leaving::Suspend)
    }

    /// The screen savers' `ActiveChanged`, on `conn` (the session bus): one watch per interface.
    pub fn screen_lock(conn: &Connection) -> zbus::Result<Vec<Self>> {
        ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"]
            .into_iter()
            .map(|iface| {
                let rule = MatchRule::builder()
                    .msg_type(Type::Signal)
                    .interface(iface)?
                    .member("ActiveChanged")?
                    .build();
                Self::new(conn, rule, Leaving::ScreenLock)
            })
            .collect()
    }

    /// Block, calling `on_leave` for every signal whose argument is `true` (going to sleep,
    /// screen saver on); `false` (woken, unlocked) changes nothing. Returns when the connection
    /// closes.
    pub fn run(self, on_leave: impl Fn(Leaving)) {
        for msg in self.signals {
            match msg {
                Ok(m) if says_true(&m) => on_leave(self.leaving),
                Ok(_) => {}
                // A malformed message from the bus is no reason to stop listening.
                Err(_) => {}
            }
        }
    }
}

/// The signal's one boolean argument; anything else counts as `false`.
fn says_true(m: &Message) -> bool {
    m.body().deserialize::<bool>().unwrap_or(false)
}

/// Connect to the system bus and watch for suspend on a thread of its own.
pub fn watch_suspend(on_leave: impl Fn(Leaving) + Send + 'static) -> zbus::Result<()> {
    let conn = Connection::system()?;
    let watch = Watch::suspend(&conn)?;
    std::thread::spawn(move || {
        let _conn = conn;
        watch.run(on_leave);
    });
    Ok(())
}

/// Connect to the session bus and watch for screen lock, one thread per screen-saver interface.
pub fn watch_screen_lock(on_leave: impl Fn(Leaving) + Send + Sync + 'static) -> zbus::Result<()> {
    let conn = Connection::session()?;
    let on_leave = std::sync::Arc::new(on_leave);
    for watch in Watch::screen_lock(&conn)? {
        let (conn, on_leave) = (conn.clone(), on_leave.clone());
        std::thread::spawn(move || {
            let _conn = conn;
            watch.run(|l| on_leave(l));
        });
    }
    Ok(())
}
