//! Time to exit: Kaplan–Meier curves and the log-rank test, the discrete-time hazard model
//! behind each person's survival curve, its honest measurement on time-to-event data, and
//! the interval around a group's expected number of leavers.

pub mod evaluate;
pub mod forecast;
pub mod hazard;
pub mod kaplan_meier;
pub mod landmark;
pub mod poisson_binomial;
pub mod stats;
