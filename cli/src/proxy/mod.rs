//! `piiguard proxy`: the detokenizing proxy. The application's database holds vault tokens;
//! its requests to a third party (a card processor, a shipping service) go through the
//! proxy, which swaps tokens for their values on the way out — each a policy decision and an
//! audit event naming the route, the caller, the purpose and the field — and swaps values
//! for tokens in the responses on the way back, so the application only ever receives what
//! it may store. `docs/PROXY.md` has the configuration file's reference.
//!
//! ```text
//! piiguard proxy --config proxy.toml [--dir .piiguard | --postgres URL]
//! piiguard proxy --config proxy.toml --check      the file's mistakes, with their lines
//! ```

mod config;
mod forward;
mod headers;
mod listen;
mod path;
mod refusal;
mod rewrite;
mod route;
mod rule;
mod scan;
mod strict;
mod tally;
mod transfer;
mod upstream;

use crate::Usage;
use crate::store::{At, guard};
use config::Config;
use forward::Proxy;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Arguments of `piiguard proxy`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The proxy's configuration file (TOML): listener, callers, upstreams, routes.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Check the configuration file and exit (1 if it has mistakes).
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    at: At,
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    let config = match Config::load(&args.config) {
        Ok(config) => config,
        Err(mistakes) => {
            for mistake in &mistakes.0 {
                eprintln!("{}: {mistake}", args.config.display());
            }
            return Ok(ExitCode::from(1));
        }
    };
    let clients = config
        .upstreams
        .iter()
        .map(|u| upstream::client(u, config.timeout))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Usage)?;
    let authorizations = config
        .upstreams
        .iter()
        .map(|u| authorization(u.authorization_env.as_deref()))
        .collect::<Result<Vec<_>, _>>()?;
    let tls = config
        .tls
        .as_ref()
        .map(listen::acceptor)
        .transpose()
        .map_err(Usage)?;
    if args.check {
        println!(
            "{}: {} routes, {} upstreams, {} callers",
            args.config.display(),
            config.routes.len(),
            config.upstreams.len(),
            config.callers.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let guard = guard(&args.at)?;
    let listen = config.listen;
    let limits = config.limits;
    let proxy = Arc::new(Proxy::new(config, guard, clients, authorizations));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Usage(format!("cannot start the proxy's runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| Usage(format!("cannot listen on {listen}: {e}")))?;
        let bound = listener.local_addr().map_err(|e| Usage(e.to_string()))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        // The line a supervisor (or a test) waits for.
        eprintln!("piiguard proxy: listening on {scheme}://{bound}");
        let app = axum::Router::new()
            .fallback(forward::handle)
            .with_state(Arc::clone(&proxy));
        let summaries = tokio::spawn(summarize(Arc::clone(&proxy), limits.refusal_window));
        let refused: listen::Refused = {
            let proxy = Arc::clone(&proxy);
            Arc::new(move |source, cause| proxy.tally.count(source, cause, false))
        };
        listen::serve(listener, tls, app, limits, refused, stopped()).await;
        // Stopped (SIGTERM or ^C): the window so far goes on the record before the exit.
        summaries.abort();
        if let Err(e) = tokio::task::spawn_blocking(move || write_summaries(&proxy)).await {
            eprintln!("piiguard proxy: the last refusals could not be summarized: {e}");
        }
        eprintln!("piiguard proxy: stopped");
        Ok(ExitCode::SUCCESS)
    })
}

/// Resolves on SIGTERM or SIGINT.
async fn stopped() {
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// Every `window`, the refusals before authentication counted in it become one chained
/// event per cause.
async fn summarize(proxy: Arc<Proxy>, window: std::time::Duration) {
    let mut every = tokio::time::interval(window);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        let proxy = Arc::clone(&proxy);
        let _ = tokio::task::spawn_blocking(move || write_summaries(&proxy)).await;
    }
}

fn write_summaries(proxy: &Proxy) {
    let anonymous =
        piiguard::Principal::new("anonymous").in_environment(proxy.guard.keyring().environment());
    for summary in proxy.tally.close() {
        if let Err(e) = proxy
            .guard
            .refuse(&anonymous, summary.reason, &summary.detail)
        {
            // The counts are lost with the event; say so where an operator looks.
            eprintln!(
                "piiguard proxy: {} refusals could not be audited: {e}",
                summary.reason
            );
        }
    }
}

/// The `Authorization` header an upstream gets, from the environment variable its
/// configuration names.
fn authorization(var: Option<&str>) -> Result<Option<http::HeaderValue>, Usage> {
    let Some(var) = var else { return Ok(None) };
    let value = std::env::var(var).map_err(|_| {
        Usage(format!(
            "{var} must hold the upstream's Authorization header"
        ))
    })?;
    let mut value = http::HeaderValue::from_str(&value)
        .map_err(|_| Usage(format!("{var} does not hold a valid header value")))?;
    value.set_sensitive(true);
    Ok(Some(value))
}
