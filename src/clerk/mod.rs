//! Clerk.io's data contract (see `docs/clerk-contract.md`): the five object types, their required
//! and typed fields, and the value rules every record written must satisfy.

pub mod contract;

pub use contract::{Entity, FieldKind, FieldSpec, IdKind, validate_record};
