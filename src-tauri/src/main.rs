//! Entry point of the desktop app; everything is in the library so tests can build it.

// No console window on Windows release builds; harmless elsewhere.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    // First, while this is the only thread: it sets environment variables WebKit reads.
    vouchsafe_desktop::webkit_env::prepare();
    vouchsafe_desktop::allocator::keep_pages_small();
    vouchsafe_desktop::allocator::purge_promptly();
    match vouchsafe_desktop::run() {
        0 => std::process::ExitCode::SUCCESS,
        _ => std::process::ExitCode::FAILURE,
    }
}
