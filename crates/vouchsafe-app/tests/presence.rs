//! The suspend and screen-lock rules against a private D-Bus daemon: the signals lock, their
//! `false` counterparts do not, and a `PrepareForSleep` from anyone but logind's name is not
//! delivered. Needs `dbus-daemon`; without it the test says so and passes.
#![cfg(target_os = "linux")]
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use vouchsafe_app::presence::{Leaving, Watch};
use zbus::blocking::{Connection, connection};

/// A private bus with the session configuration (anyone may own any name), killed on drop.
struct Bus {
    child: Child,
    address: String,
}

impl Bus {
    fn start() -> Option<Self> {
        let mut child = match Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("presence test skipped: cannot start dbus-daemon ({e})");
                return None;
            }
        };
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("bus address");
        Some(Self {
            child,
            address: line.trim().to_string(),
        })
    }

    fn connect(&self) -> Connection {
        connection::Builder::address(self.address.as_str())
            .expect("address")
            .build()
            .expect("connect")
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listen(watches: Vec<Watch>) -> mpsc::Receiver<Leaving> {
    let (tx, rx) = mpsc::channel();
    for w in watches {
        let tx = tx.clone();
        std::thread::spawn(move || {
            w.run(move |l| {
                let _ = tx.send(l);
            })
        });
    }
    rx
}

const WAIT: Duration = Duration::from_secs(5);
const QUIET: Duration = Duration::from_millis(300);

#[test]
fn suspend_and_screen_lock_signals_are_seen_and_false_ones_ignored() {
    let Some(bus) = Bus::start() else { return };
    let listener = bus.connect();
    let mut watches = Watch::screen_lock(&listener).expect("screen-lock rules");
    watches.push(Watch::suspend(&listener).expect("suspend rule"));
    let seen = listen(watches);

    let desktop = bus.connect();
    let saver = |iface: &str, on: bool| {
        desktop
            .emit_signal(
                None::<&str>,
                "/org/freedesktop/ScreenSaver",
                iface,
                "ActiveChanged",
                &(on,),
            )
            .expect("emit");
    };
    saver("org.freedesktop.ScreenSaver", false);
    assert!(
        seen.recv_timeout(QUIET).is_err(),
        "screen saver off locks nothing"
    );
    saver("org.freedesktop.ScreenSaver", true);
    assert_eq!(seen.recv_timeout(WAIT), Ok(Leaving::ScreenLock));
    saver("org.gnome.ScreenSaver", true);
    assert_eq!(seen.recv_timeout(WAIT), Ok(Leaving::ScreenLock));

    let sleep = |conn: &Connection, going: bool| {
        conn.emit_signal(
            None::<&str>,
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            &(going,),
        )
        .expect("emit");
    };
    // Not logind: the bus does not deliver it to a rule that names logind as sender.
    sleep(&desktop, true);
    assert!(
        seen.recv_timeout(QUIET).is_err(),
        "only logind's name counts"
    );

    let logind = bus.connect();
    logind
        .request_name("org.freedesktop.login1")
        .expect("own the name");
    sleep(&logind, false);
    assert!(seen.recv_timeout(QUIET).is_err(), "waking locks nothing");
    sleep(&logind, true);
    assert_eq!(seen.recv_timeout(WAIT), Ok(Leaving::Suspend));
    assert_eq!(
        Leaving::Suspend.reason(),
        vouchsafe_app::dto::LockReason::Suspend
    );
}
