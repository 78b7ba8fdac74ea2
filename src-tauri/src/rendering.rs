//! How WebKit paints the window: with Skia on the CPU, not through OpenGL.
//!
//! WebKitGTK (2.46 and later) paints the page's tiles with Skia, by default on the GPU through
//! OpenGL; compositing the tiles into the window is OpenGL either way. Painting on the GPU keeps
//! Skia's GPU resource cache (textures, glyph atlases) in the web process, and where there is no
//! GPU (a VM, a remote session, Xvfb) Mesa's software driver holds those textures in ordinary
//! memory. Vouchsafe's pages are text and forms, which Skia paints on the CPU as fast: on the
//! 10,000-grant vault (docs/desktop-performance.md, "Memory, where it goes") the web process
//! held ~80–90 MiB less after every screen (PSS 309–331 → 226–236 MiB under Xvfb), with typing
//! and each screen's first content unchanged within the noise. Turning compositing off as
//! well would save more but made input several times slower, so compositing stays on.
//!
//! WebKit reads the switch from the environment of its web process, which inherits the app's;
//! so it is set here, before GTK or any thread starts. A person who sets it themselves wins:
//! `WEBKIT_SKIA_ENABLE_CPU_RENDERING=0` gives GPU painting back.

/// The variable WebKitGTK's web process reads: set and not `0` means Skia paints on the CPU.
pub const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// Ask WebKit for CPU painting unless the variable is set already.
///
/// Call it first in `main`, while the process has one thread: it changes the environment.
#[allow(unsafe_code)]
pub fn prefer_cpu_painting() {
    if cfg!(target_os = "linux") && std::env::var_os(CPU_RENDERING).is_none() {
        // SAFETY: `set_var` is unsound only while another thread reads or writes the
        // environment. This runs at the top of `main`, before the app (GTK, WebKit, Tauri's
        // runtime) starts any thread, and nothing in the process has started one before `main`.
        unsafe { std::env::set_var(CPU_RENDERING, "1") };
    }
}
