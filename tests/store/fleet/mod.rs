//! Several instances on one store, as real processes (this test binary started again as
//! `fleet_helper`, told what to do through environment variables): on one local directory
//! (SQLite) and on one PostgreSQL database (the server `scripts/test.sh` starts).
//!
//! Each claim of `docs/DEPLOYMENT.md` is tried on both engines: instances started together on
//! an empty store share one key set; records written by each are read by every other; one
//! audit chain verifies with every event exactly once; rotations on two instances keep both; an
//! instance follows another's rotation within a second; the monitor counts fleet-wide and its
//! hard limit holds exactly; break-glass crosses instances and restarts; a forgotten subject is
//! refused everywhere within a second; `kill -9` mid-write loses nothing acknowledged; a policy
//! installed on one instance is in force on the others within a second; a vault token made on
//! one instance resolves on another, and goes with its subject.

mod postgres_only;
mod retention;
mod scenarios;
mod target;
mod tokens;

use target::Target;

/// The name of [`fleet_helper`] for `cargo test --exact`, in this binary.
pub(crate) fn helper_name() -> String {
    piiguard_testkit::test_name(module_path!(), "fleet_helper")
}

/// The helper process's entry point.
#[test]
#[ignore = "a helper process of the fleet tests"]
fn fleet_helper() {
    scenarios::helper();
}

macro_rules! on_both_engines {
    ($($scenario:ident),* $(,)?) => {
        mod sqlite {
            use super::*;
            $(
                #[test]
                fn $scenario() {
                    let t = Target::sqlite(stringify!($scenario));
                    scenarios::$scenario(&t);
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[test]
                fn $scenario() {
                    let t = Target::postgres(&short(stringify!($scenario)));
                    scenarios::$scenario(&t);
                }
            )*
        }
    };
}

/// A database name from a test's name (PostgreSQL identifiers stop at 63 bytes).
fn short(name: &str) -> String {
    name.split('_').map(|w| &w[..w.len().min(3)]).collect()
}

on_both_engines! {
    two_instances_started_together_on_an_empty_store_share_everything,
    four_instances_started_together_on_an_empty_store_share_everything,
    rotations_on_two_instances_both_take_effect,
    an_instance_writes_under_another_instances_rotation_within_a_second,
    the_monitor_counts_fleet_wide,
    break_glass_crosses_instances_and_restarts,
    a_subject_forgotten_on_one_instance_is_refused_on_the_others_within_a_second,
    a_key_destroyed_on_one_instance_is_refused_on_the_others_within_a_second,
    kill_9_mid_write_loses_nothing_acknowledged,
    a_policy_installed_on_one_instance_is_in_force_on_the_others_within_a_second,
}

/// Vault tokens across instances, on both engines.
mod tokens_on {
    use super::*;

    #[test]
    fn sqlite() {
        tokens::tokens_made_on_one_instance_are_read_on_another_and_go_with_their_subject(
            &Target::sqlite("tokens"),
        );
    }

    #[test]
    fn postgres() {
        tokens::tokens_made_on_one_instance_are_read_on_another_and_go_with_their_subject(
            &Target::postgres("tokens"),
        );
    }
}

/// Retention and the deletion register, on both engines.
mod retention_on {
    use super::*;

    #[test]
    fn sqlite() {
        retention::retention_erases_what_is_due_keeps_what_is_held_and_registers_each_erasure_once(
            &Target::sqlite("retention"),
        );
    }

    #[test]
    fn postgres() {
        retention::retention_erases_what_is_due_keeps_what_is_held_and_registers_each_erasure_once(
            &Target::postgres("retention"),
        );
    }
}
