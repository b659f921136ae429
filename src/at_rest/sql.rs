//! Envelopes as SQL column values: `ToSql`/`FromSql` for `rusqlite` (feature `rusqlite`) and
//! for the `postgres` client (feature `postgres`), a thin layer over the envelope's own text and
//! binary forms. A value read this way is only parsed; give it to
//! [`read_column`](super::StorageKeys::read_column) to check it belongs to the field and
//! subject it is read for. Blind indexes are plain text columns.

#[cfg(feature = "rusqlite")]
mod sqlite {
    use crate::envelope::Envelope;
    use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

    /// Written as its text form (`pg1.…`), for a `TEXT` column.
    impl ToSql for Envelope {
        fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
            Ok(ToSqlOutput::from(self.to_text()))
        }
    }

    /// Read from a `TEXT` column (text form) or a `BLOB` column (binary form).
    impl FromSql for Envelope {
        fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
            match value {
                ValueRef::Text(text) => std::str::from_utf8(text)
                    .map_err(|_| FromSqlError::InvalidType)
                    .and_then(|text| {
                        Envelope::parse_text(text).map_err(|e| FromSqlError::Other(Box::new(e)))
                    }),
                ValueRef::Blob(bytes) => {
                    Envelope::parse_bytes(bytes).map_err(|e| FromSqlError::Other(Box::new(e)))
                }
                _ => Err(FromSqlError::InvalidType),
            }
        }
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use crate::envelope::Envelope;
    use bytes::BytesMut;
    use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
    use std::error::Error as StdError;

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::TEXT | Type::VARCHAR | Type::BYTEA)
    }

    /// Written as its text form to `text`/`varchar`, as its binary form to `bytea`.
    impl ToSql for Envelope {
        fn to_sql(
            &self,
            ty: &Type,
            out: &mut BytesMut,
        ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
            if *ty == Type::BYTEA {
                out.extend_from_slice(self.as_bytes());
            } else {
                out.extend_from_slice(self.to_text().as_bytes());
            }
            Ok(IsNull::No)
        }

        fn accepts(ty: &Type) -> bool {
            accepts(ty)
        }

        to_sql_checked!();
    }

    /// Read from `text`/`varchar` (text form) or `bytea` (binary form).
    impl<'a> FromSql<'a> for Envelope {
        fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
            if *ty == Type::BYTEA {
                Ok(Envelope::parse_bytes(raw)?)
            } else {
                Ok(Envelope::parse_text(std::str::from_utf8(raw)?)?)
            }
        }

        fn accepts(ty: &Type) -> bool {
            accepts(ty)
        }
    }
}

#[cfg(feature = "sqlx")]
mod sqlx_postgres {
    use crate::envelope::Envelope;
    use sqlx::encode::IsNull;
    use sqlx::error::BoxDynError;
    use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef, Postgres};
    use sqlx::{Decode, Encode, Type, ValueRef as _};

    /// A `text` column (bind `Column::bytes()` for `bytea`).
    impl Type<Postgres> for Envelope {
        fn type_info() -> PgTypeInfo {
            <String as Type<Postgres>>::type_info()
        }

        fn compatible(ty: &PgTypeInfo) -> bool {
            <String as Type<Postgres>>::compatible(ty)
                || <Vec<u8> as Type<Postgres>>::compatible(ty)
        }
    }

    /// Its text form.
    impl Encode<'_, Postgres> for Envelope {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            <String as Encode<Postgres>>::encode(self.to_text(), buf)
        }
    }

    /// From `text`/`varchar` (text form) or `bytea` (binary form).
    impl<'r> Decode<'r, Postgres> for Envelope {
        fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
            if <Vec<u8> as Type<Postgres>>::compatible(&value.type_info()) {
                Ok(Envelope::parse_bytes(<&[u8] as Decode<Postgres>>::decode(
                    value,
                )?)?)
            } else {
                Ok(Envelope::parse_text(<&str as Decode<Postgres>>::decode(
                    value,
                )?)?)
            }
        }
    }
}
