//! [`DatabaseCause`]: why a store's database refused, in the operator's terms.

use std::fmt;

/// Why the store's database refused, in the operator's terms ([`Error::Database`](super::Error::Database)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DatabaseCause {
    /// Nothing accepts connections at the address.
    Refused,
    /// The host cannot be reached, or did not answer in time.
    Unreachable,
    /// The server refused the credentials, or the role does not exist.
    Authentication,
    /// The database named in the URL does not exist.
    NoDatabase,
    /// The server accepts this connection only over TLS.
    TlsRequired,
    /// TLS is required (`sslmode=require`) and the server does not offer it.
    TlsUnavailable,
    /// The server's certificate does not verify against the roots (`sslrootcert`, or the
    /// system's).
    TlsUntrusted,
    /// The server's certificate is valid for another host name than the one connected to.
    TlsWrongHost,
    /// The TLS handshake failed otherwise (the server refused the client certificate, no
    /// common protocol version, a certificate out of its validity).
    TlsFailed,
    /// The server does not accept this role from this host (`pg_hba.conf`).
    NotAllowed,
    /// The role lacks a privilege on a piiguard object, named as PostgreSQL names it
    /// (`table piiguard_subject_activity`).
    Permission {
        /// The object.
        object: String,
    },
}

impl fmt::Display for DatabaseCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused => {
                f.write_str("connection refused: is PostgreSQL running, on this host and port?")
            }
            Self::Unreachable => {
                f.write_str("the server cannot be reached (host name, network or firewall)")
            }
            Self::Authentication => {
                f.write_str("authentication failed: a wrong password, or no such role")
            }
            Self::NoDatabase => f.write_str("the database does not exist"),
            Self::TlsRequired => f.write_str(
                "the server accepts this connection only over TLS: add sslmode=require to the URL",
            ),
            Self::TlsUnavailable => {
                f.write_str("TLS is required (sslmode) but the server does not offer it")
            }
            Self::TlsUntrusted => f.write_str(
                "the server's certificate does not verify against the CA (sslrootcert, or the \
                 system's roots)",
            ),
            Self::TlsWrongHost => f.write_str(
                "the server's certificate is for another host name than the one in the URL",
            ),
            Self::TlsFailed => f.write_str(
                "the TLS handshake failed (a refused client certificate, an expired certificate, \
                 or no common protocol version)",
            ),
            Self::NotAllowed => {
                f.write_str("the server does not accept this role from this host (pg_hba.conf)")
            }
            Self::Permission { object } => write!(
                f,
                "permission denied for {object}: the role lacks a grant (`piiguard store grants \
                 --role service` prints what the service's role needs)"
            ),
        }
    }
}
