//! The stores: the local directory, SQL columns, a fleet of processes on one store, scale.
//!
//! One test binary per area (each links the whole crate once); a module per former file.

#[cfg(all(feature = "sqlite", feature = "local-key-file", feature = "postgres"))]
mod fleet;
#[cfg(all(feature = "sqlite", feature = "local-key-file"))]
mod local_dir;
#[cfg(feature = "postgres")]
mod postgres_tls;
mod scale;
#[cfg(all(
    feature = "sqlite",
    feature = "local-key-file",
    feature = "rusqlite",
    feature = "postgres",
    feature = "sqlx"
))]
mod sql_columns;
