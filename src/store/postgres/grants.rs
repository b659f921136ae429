//! Break-glass requests and revocations in PostgreSQL, shared by the fleet.

use super::PgStore;
use crate::error::Error;
use crate::policy::{GrantRequest, GrantStore, PendingRequest};

fn parse(row: &postgres::Row) -> Result<PendingRequest, Error> {
    Ok(PendingRequest {
        requester: row.get(0),
        request: GrantRequest::from_stored(row.get(1)).ok_or(Error::KeyStore {
            reason: "a stored break-glass request is malformed",
        })?,
        requested_at: row.get(2),
    })
}

impl GrantStore for PgStore {
    fn add_pending(
        &self,
        id: &str,
        request: &PendingRequest,
        expired_before: i64,
    ) -> Result<(), Error> {
        let (id, requester, text, at) = (
            id.to_owned(),
            request.requester.clone(),
            request.request.to_stored(),
            request.requested_at,
        );
        self.call("cannot store a break-glass request", move |client| {
            let mut tx = client.transaction()?;
            tx.execute(
                "DELETE FROM piiguard_grant_requests WHERE requested_at < $1",
                &[&expired_before],
            )?;
            tx.execute(
                "INSERT INTO piiguard_grant_requests (id, requester, request, requested_at)
                 VALUES ($1, $2, $3, $4)",
                &[&id, &requester, &text, &at],
            )?;
            tx.commit()
        })
    }

    fn pending(&self, id: &str) -> Result<Option<PendingRequest>, Error> {
        let id = id.to_owned();
        self.call("cannot read a break-glass request", move |client| {
            client.query_opt(
                "SELECT requester, request, requested_at FROM piiguard_grant_requests
                 WHERE id = $1",
                &[&id],
            )
        })?
        .map(|row| parse(&row))
        .transpose()
    }

    fn take_pending(&self, id: &str) -> Result<Option<PendingRequest>, Error> {
        let id = id.to_owned();
        self.call("cannot take a break-glass request", move |client| {
            client.query_opt(
                "DELETE FROM piiguard_grant_requests WHERE id = $1
                 RETURNING requester, request, requested_at",
                &[&id],
            )
        })?
        .map(|row| parse(&row))
        .transpose()
    }

    fn is_revoked(&self, grant_id: &str) -> Result<bool, Error> {
        let id = grant_id.to_owned();
        self.call("cannot read the revoked grants", move |client| {
            Ok(client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM piiguard_revoked_grants WHERE id = $1)",
                    &[&id],
                )?
                .get(0))
        })
    }

    fn revoke(&self, grant_id: &str) -> Result<(), Error> {
        let id = grant_id.to_owned();
        self.call("cannot record a revoked grant", move |client| {
            client
                .execute(
                    "INSERT INTO piiguard_revoked_grants (id) VALUES ($1) ON CONFLICT DO NOTHING",
                    &[&id],
                )
                .map(|_| ())
        })
    }
}
