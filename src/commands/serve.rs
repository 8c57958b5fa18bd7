//! `oversell serve`: the what-if page on a local port. This file moves bytes between the
//! network and `serve::App`, which answers every request.
//!
//! HTTP crate: tiny_http. It is synchronous (no async runtime to compile: four small
//! dependencies), well kept, and enough for a page that one sales engineer drives: requests
//! arrive on one channel, each is answered on a thread of its own, and the Monte Carlo runs one
//! request at a time on every core.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;

use crate::cli::ServeArgs;
use crate::serve::{App, MAX_BODY_BYTES, Reply, Settings};

/// Requests answered at once; past this a request gets a 503 (the Monte Carlo runs one at a
/// time anyway, so more would only wait).
const MAX_IN_FLIGHT: usize = 16;
/// How often the accept loop looks for a signal.
const SIGNAL_CHECK: Duration = Duration::from_millis(100);
/// The seed when `--seed` is not given: the one of every scenario in scenarios/.
pub const DEFAULT_SEED: u64 = 2026;
/// The budget when `--budget-ms` is not given, milliseconds.
pub const DEFAULT_BUDGET_MS: u64 = 120;

/// Fits the trial counts, listens, and answers until SIGINT or SIGTERM.
pub fn serve(args: &ServeArgs, stdout: &mut dyn Write) -> anyhow::Result<()> {
    let settings = Settings {
        seed: args.seed.unwrap_or(DEFAULT_SEED),
        threads: args
            .threads
            .map_or_else(rayon::current_num_threads, usize::from),
        budget: Duration::from_millis(args.budget_ms),
        trials: args.trials,
    };
    let app = App::new(settings).context("preparing the stacks")?;
    let server = tiny_http::Server::http((args.bind, args.port))
        .map_err(|e| anyhow::anyhow!("cannot listen on {}:{}: {e}", args.bind, args.port))?;
    let address = server
        .server_addr()
        .to_ip()
        .context("the server has no IP address")?;
    writeln!(stdout, "oversell serve: http://{address}/")?;
    for stack in &app.stacks {
        writeln!(
            stdout,
            "  {}: {} trials per request ({:.0} ms as shipped)",
            stack.file.slug, stack.trials, stack.baseline.elapsed_ms
        )?;
    }
    writeln!(stdout, "Ctrl-C stops it.")?;
    stdout.flush()?;
    let app = Arc::new(app);
    // The Monte Carlo of one request at a time: each already uses every core.
    let engine = Arc::new(Mutex::new(()));
    let in_flight = Arc::new(AtomicUsize::new(0));
    loop {
        if let Err(interrupted) = crate::interrupt::check() {
            writeln!(stdout, "stopped by {}", signal_name(interrupted.signal))?;
            return Ok(());
        }
        let Some(request) = server.recv_timeout(SIGNAL_CHECK)? else {
            continue;
        };
        if in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            respond(
                request,
                Reply::error(503, "busy: too many requests at once"),
            );
            continue;
        }
        let (app, engine, in_flight) = (app.clone(), engine.clone(), in_flight.clone());
        // A thread per request: a client that sends its body slowly holds only its own.
        std::thread::spawn(move || {
            answer(&app, &engine, request);
            in_flight.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// Reads the (bounded) body, asks the app, and sends the reply.
fn answer(app: &App, engine: &Mutex<()>, mut request: tiny_http::Request) {
    let reply = match read_body(&mut request) {
        Err(reply) => reply,
        Ok(body) => {
            let method = request.method().as_str().to_owned();
            let url = request.url().to_owned();
            // A poisoned lock only means an earlier request panicked; the app holds no state.
            let _turn = engine.lock().unwrap_or_else(|e| e.into_inner());
            app.handle(&method, &url, &body)
        }
    };
    respond(request, reply);
}

/// The request's body, at most `MAX_BODY_BYTES`; a 413 when it is longer.
fn read_body(request: &mut tiny_http::Request) -> Result<Vec<u8>, Reply> {
    let too_long = || Reply::error(413, format!("the body is over {MAX_BODY_BYTES} bytes"));
    if request.body_length().is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_long());
    }
    let mut body = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| Reply::error(400, format!("reading the body: {e}")))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(too_long());
    }
    Ok(body)
}

/// Sends `reply`; a client that has gone is no error of ours.
fn respond(request: tiny_http::Request, reply: Reply) {
    let mut response = tiny_http::Response::from_data(reply.body)
        .with_status_code(reply.status)
        .with_header(header("Content-Type", reply.content_type))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"));
    if let Some(name) = reply.attachment {
        response = response.with_header(header(
            "Content-Disposition",
            &format!("attachment; filename=\"{name}\""),
        ));
    }
    let _ = request.respond(response);
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    // Names and values are ASCII written here, or a file name made of a stack's slug.
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("an ASCII header")
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        2 => "SIGINT",
        15 => "SIGTERM",
        1 => "SIGHUP",
        _ => "a signal",
    }
}
