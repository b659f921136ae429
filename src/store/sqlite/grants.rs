//! Break-glass requests and revocations in the SQLite store, shared by every instance.

use super::{SqliteStore, failed};
use crate::error::Error;
use crate::policy::{GrantRequest, GrantStore, PendingRequest};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, i64)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn parse(
    (requester, request, requested_at): (String, String, i64),
) -> Result<PendingRequest, Error> {
    Ok(PendingRequest {
        requester,
        request: GrantRequest::from_stored(&request).ok_or(Error::KeyStore {
            reason: "a stored break-glass request is malformed",
        })?,
        requested_at,
    })
}

impl GrantStore for SqliteStore {
    fn add_pending(
        &self,
        id: &str,
        request: &PendingRequest,
        expired_before: i64,
    ) -> Result<(), Error> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed("cannot start a transaction on the store"))?;
        tx.execute(
            "DELETE FROM grant_requests WHERE requested_at < ?1",
            [expired_before],
        )
        .map_err(failed("cannot drop expired break-glass requests"))?;
        tx.execute(
            "INSERT INTO grant_requests (id, requester, request, requested_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                id,
                request.requester,
                request.request.to_stored(),
                request.requested_at
            ],
        )
        .map_err(failed("cannot store a break-glass request"))?;
        tx.commit()
            .map_err(failed("cannot commit a break-glass request"))
    }

    fn pending(&self, id: &str) -> Result<Option<PendingRequest>, Error> {
        self.conn()
            .query_row(
                "SELECT requester, request, requested_at FROM grant_requests WHERE id = ?1",
                [id],
                read,
            )
            .optional()
            .map_err(failed("cannot read a break-glass request"))?
            .map(parse)
            .transpose()
    }

    fn take_pending(&self, id: &str) -> Result<Option<PendingRequest>, Error> {
        self.conn()
            .query_row(
                "DELETE FROM grant_requests WHERE id = ?1
                 RETURNING requester, request, requested_at",
                [id],
                read,
            )
            .optional()
            .map_err(failed("cannot take a break-glass request"))?
            .map(parse)
            .transpose()
    }

    fn is_revoked(&self, grant_id: &str) -> Result<bool, Error> {
        self.conn()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM revoked_grants WHERE id = ?1)")
            .and_then(|mut stmt| stmt.query_row([grant_id], |row| row.get(0)))
            .map_err(failed("cannot read the revoked grants"))
    }

    fn revoke(&self, grant_id: &str) -> Result<(), Error> {
        self.conn()
            .execute(
                "INSERT OR IGNORE INTO revoked_grants (id) VALUES (?1)",
                [grant_id],
            )
            .map(|_| ())
            .map_err(failed("cannot record a revoked grant"))
    }
}
