//! The detokenizing proxy (`piiguard proxy`). The application's database holds vault tokens;
//! its requests to a third party (a card processor, a shipping service) go through the
//! proxy, which swaps tokens for their values on the way out — each a policy decision and an
//! audit event naming the route, the caller, the purpose and the field — and swaps values
//! for tokens in the responses on the way back, so the application only ever receives what
//! it may store. `docs/PROXY.md` has the configuration file's reference.
//!
//! A library crate that the `piiguard` command runs (`piiguard proxy --config proxy.toml`):
//! [`Config::load`] reads and checks a configuration, [`Server::new`] prepares its clients and
//! TLS, and [`Server::run`] serves on a guard until SIGTERM or ^C.
//!
//! ```no_run
//! let config = piiguard_proxy::Config::load("proxy.toml".as_ref()).map_err(|m| m.to_string())?;
//! let server = piiguard_proxy::Server::new(config)?;
//! println!("{}", server.describe());
//! server.run(piiguard::Guard::open_local(".piiguard")?)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
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

pub use config::{Config, Mistakes};
use forward::Proxy;
use piiguard::Guard;
use std::sync::Arc;

/// Why the proxy could not start: a client, a certificate, an environment variable, the
/// listener. Its text says which.
#[derive(Debug)]
pub struct StartError(String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

/// A checked configuration with what it needs made: the upstreams' clients and
/// `Authorization` headers, the listener's TLS.
pub struct Server {
    config: Config,
    clients: Vec<reqwest::Client>,
    authorizations: Vec<Option<http::HeaderValue>>,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Server {
    /// Prepares `config`: a client per upstream, each upstream's `Authorization` header from
    /// the environment variable it names, the listener's TLS.
    ///
    /// # Errors
    /// [`StartError`] naming what could not be made.
    pub fn new(config: Config) -> Result<Self, StartError> {
        let clients = config
            .upstreams
            .iter()
            .map(|u| upstream::client(u, config.timeout))
            .collect::<Result<Vec<_>, _>>()
            .map_err(StartError)?;
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
            .map_err(StartError)?;
        Ok(Self {
            config,
            clients,
            authorizations,
            tls,
        })
    }

    /// One line: how many routes, upstreams and callers.
    pub fn describe(&self) -> String {
        format!(
            "{} routes, {} upstreams, {} callers",
            self.config.routes.len(),
            self.config.upstreams.len(),
            self.config.callers.len()
        )
    }

    /// Serves on `guard` until SIGTERM or ^C, on the configuration's `listen` address. Prints
    /// `piiguard proxy: listening on URL` on standard error once it listens, a line per
    /// request, and `piiguard proxy: stopped`.
    ///
    /// # Errors
    /// [`StartError`] if the runtime or the listener cannot start.
    pub fn run(self, guard: Guard) -> Result<(), StartError> {
        let listen = self.config.listen;
        let listener = std::net::TcpListener::bind(listen)
            .map_err(|e| StartError(format!("cannot listen on {listen}: {e}")))?;
        self.serve_until(guard, listener, stopped())
    }

    /// Serves on `guard` on a listener the caller bound (so it knows the address: a test, an
    /// application embedding the proxy), until `stop` resolves; then the refusals counted so
    /// far are audited, as at SIGTERM.
    ///
    /// # Errors
    /// [`StartError`] if the runtime cannot start or the listener cannot be used.
    pub fn serve_until(
        self,
        guard: Guard,
        listener: std::net::TcpListener,
        stop: impl std::future::Future<Output = ()> + Send,
    ) -> Result<(), StartError> {
        let Self {
            config,
            clients,
            authorizations,
            tls,
        } = self;
        let limits = config.limits;
        let proxy = Arc::new(Proxy::new(config, guard, clients, authorizations));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| StartError(format!("cannot start the proxy's runtime: {e}")))?;
        runtime.block_on(async move {
            let fail = |e: std::io::Error| StartError(format!("cannot use the listener: {e}"));
            listener.set_nonblocking(true).map_err(fail)?;
            let bound = listener.local_addr().map_err(fail)?;
            let listener = tokio::net::TcpListener::from_std(listener).map_err(fail)?;
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
            listen::serve(listener, tls, app, limits, refused, stop).await;
            // Stopped: the window so far goes on the record before the exit.
            summaries.abort();
            if let Err(e) = tokio::task::spawn_blocking(move || write_summaries(&proxy)).await {
                eprintln!("piiguard proxy: the last refusals could not be summarized: {e}");
            }
            eprintln!("piiguard proxy: stopped");
            Ok(())
        })
    }
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
fn authorization(var: Option<&str>) -> Result<Option<http::HeaderValue>, StartError> {
    let Some(var) = var else { return Ok(None) };
    let value = std::env::var(var).map_err(|_| {
        StartError(format!(
            "{var} must hold the upstream's Authorization header"
        ))
    })?;
    let mut value = http::HeaderValue::from_str(&value)
        .map_err(|_| StartError(format!("{var} does not hold a valid header value")))?;
    value.set_sensitive(true);
    Ok(Some(value))
}
