//! Reaching the database: the connection string as libpq reads it, and TLS through rustls.
//!
//! The `postgres` crate reads `sslmode` as `disable`, `prefer` (its default) or `require`, and
//! knows no certificate files. piiguard adds libpq's names for them, in a `postgres://` URL:
//!
//! - `sslmode=require`, `verify-ca` and `verify-full` all mean TLS or no connection, with the
//!   server's certificate verified against the roots **and** its host name checked (libpq's
//!   `verify-full`; piiguard has no unverified TLS). `prefer` (or no `sslmode`) uses TLS when
//!   the server offers it, verified the same way; `disable` never does.
//! - `sslrootcert=FILE`: the CA certificates (PEM) to trust instead of the system's.
//! - `sslcert=FILE` and `sslkey=FILE`: a client certificate (PEM) and its key, for servers that
//!   authenticate clients by certificate (`cert` in `pg_hba.conf`).

use crate::error::Error;
use postgres::Client;
use postgres::config::SslMode;
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::PathBuf;
use tokio_postgres_rustls::MakeRustlsConnect;

/// Where the database is and how to reach it: made once, used by every connection.
#[derive(Clone)]
pub(crate) struct Target {
    config: postgres::Config,
    tls: Option<MakeRustlsConnect>,
}

impl Target {
    /// Reads a connection string (a `postgres://` URL, or libpq's `key=value` form without the
    /// certificate files).
    pub(crate) fn parse(url: &str) -> Result<Self, Error> {
        let (rest, files) = take_tls_files(url)?;
        let config: postgres::Config = rest.parse().map_err(|_| Error::KeyStore {
            reason: "the PostgreSQL connection string is malformed",
        })?;
        let tls = match config.get_ssl_mode() {
            SslMode::Disable => None,
            SslMode::Require => Some(MakeRustlsConnect::new(files.client_config()?)),
            // TLS when the server offers it; a machine without roots (and no sslrootcert)
            // connects as it did before TLS came.
            _ => match files.client_config() {
                Ok(config) => Some(MakeRustlsConnect::new(config)),
                Err(_) if files.is_empty() => None,
                Err(e) => return Err(e),
            },
        };
        Ok(Self { config, tls })
    }

    /// A new connection.
    pub(crate) fn connect(&self) -> Result<Client, postgres::Error> {
        match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(postgres::NoTls),
        }
    }
}

/// The certificate files a connection string names.
#[derive(Default)]
struct TlsFiles {
    root: Option<PathBuf>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
}

fn unreadable(reason: &'static str) -> Error {
    Error::KeyStore { reason }
}

impl TlsFiles {
    fn is_empty(&self) -> bool {
        self.root.is_none() && self.cert.is_none() && self.key.is_none()
    }

    fn client_config(&self) -> Result<rustls::ClientConfig, Error> {
        let mut roots = RootCertStore::empty();
        match &self.root {
            Some(path) => {
                for cert in CertificateDer::pem_file_iter(path)
                    .map_err(|_| unreadable("cannot read the CA file (sslrootcert)"))?
                {
                    let cert = cert.map_err(|_| {
                        unreadable("the CA file (sslrootcert) holds no valid PEM certificate")
                    })?;
                    roots.add(cert).map_err(|_| {
                        unreadable("the CA file (sslrootcert) holds an unusable certificate")
                    })?;
                }
            }
            None => {
                // The system's roots; one it cannot parse is left out, as browsers do.
                let found = rustls_native_certs::load_native_certs();
                roots.add_parsable_certificates(found.certs);
            }
        }
        if roots.is_empty() {
            return Err(unreadable(
                "no CA certificate to verify the server with (give sslrootcert)",
            ));
        }
        let identity = match (&self.cert, &self.key) {
            (None, None) => None,
            (Some(cert), Some(key)) => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .map_err(|_| unreadable("cannot read the client certificate (sslcert)"))?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| unreadable("the client certificate (sslcert) is not PEM"))?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|_| unreadable("cannot read the client key (sslkey) as PEM"))?;
                Some((chain, key))
            }
            _ => {
                return Err(unreadable(
                    "a client certificate needs both sslcert and sslkey",
                ));
            }
        };
        crate::crypto::tls::client_config(roots, identity).ok_or_else(|| {
            unreadable("the client certificate and key (sslcert, sslkey) do not make an identity")
        })
    }
}

/// The connection string without the parameters the `postgres` crate does not know, and the
/// files they name; `verify-ca` and `verify-full` become `require` (which verifies fully).
fn take_tls_files(url: &str) -> Result<(String, TlsFiles), Error> {
    let mut files = TlsFiles::default();
    let Some((base, query)) = url
        .starts_with("postgres")
        .then(|| url.split_once('?'))
        .flatten()
    else {
        if [
            "sslrootcert",
            "sslcert",
            "sslkey",
            "verify-ca",
            "verify-full",
        ]
        .iter()
        .any(|name| url.contains(name))
        {
            return Err(unreadable(
                "give the TLS parameters (sslrootcert, sslcert, sslkey, sslmode=verify-full) in \
                 a postgres:// URL",
            ));
        }
        return Ok((url.to_owned(), files));
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let path = || {
            percent_encoding::percent_decode_str(value)
                .decode_utf8()
                .map(|v| PathBuf::from(v.as_ref()))
                .map_err(|_| unreadable("a certificate file's path is not UTF-8"))
        };
        match name {
            "sslrootcert" => files.root = Some(path()?),
            "sslcert" => files.cert = Some(path()?),
            "sslkey" => files.key = Some(path()?),
            "sslmode" if value == "verify-ca" || value == "verify-full" => {
                kept.push("sslmode=require".to_owned());
            }
            _ => kept.push(pair.to_owned()),
        }
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, files))
}

#[cfg(test)]
mod tests {
    use super::take_tls_files;

    #[test]
    fn libpq_s_tls_parameters_are_taken_out_of_the_url() {
        let (rest, files) = take_tls_files(
            "postgres://app:pw@db.example.com/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem\
             &application_name=x&sslcert=/c.pem&sslkey=/k.pem",
        )
        .unwrap();
        assert_eq!(
            rest,
            "postgres://app:pw@db.example.com/app?sslmode=require&application_name=x"
        );
        assert_eq!(files.root.unwrap().to_str(), Some("/etc/ca.pem"));
        assert_eq!(files.cert.unwrap().to_str(), Some("/c.pem"));
        assert_eq!(files.key.unwrap().to_str(), Some("/k.pem"));
        let (rest, files) = take_tls_files("host=db user=app").unwrap();
        assert_eq!(rest, "host=db user=app");
        assert!(files.root.is_none());
        assert!(take_tls_files("host=db sslrootcert=/ca.pem").is_err());
        // Every parameter named, nothing left but the URL.
        let (rest, _) = take_tls_files("postgresql://db/app?sslrootcert=/ca.pem").unwrap();
        assert_eq!(rest, "postgresql://db/app");
    }
}
