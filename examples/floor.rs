//! The parse floor as a process, for side-by-side runs with `akslint check`:
//! reads each file and parses it into `serde_json::Value` (with the shipped
//! binary's allocator), then prints the time taken and the peak memory.
//!
//! ```text
//! cargo run --release --example floor -- FILE...
//! ```
//!
//! `bench/scale.py` runs it beside akslint on generated estates.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let started = Instant::now();
    let mut values = Vec::new();
    for path in std::env::args().skip(1) {
        let parsed = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| e.to_string())
            });
        match parsed {
            // Held to the end, as a check holds what it read.
            Ok(value) => values.push(value),
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let elapsed = started.elapsed().as_millis();
    let peak = peak_bytes() as f64 / 1e6;
    // A closed pipe is not worth a panic.
    let _ = writeln!(
        std::io::stdout(),
        "parsed {} file(s) in {elapsed} ms\npeak memory {peak:.1} MB",
        values.len()
    );
    // Left to the operating system, as akslint leaves its inventory.
    std::mem::forget(values);
    ExitCode::SUCCESS
}

/// Linux's `VmHWM`: this process's peak resident memory (0 elsewhere).
fn peak_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}
