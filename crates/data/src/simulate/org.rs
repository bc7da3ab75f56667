//! The simulated organization's structure: departments, pay bands, teams and the people in them.

use chrono::NaiveDate;

/// A department: its code, share of headcount, pay level against the company bands, share of
/// women (drives the fairness signal), and its usual overtime.
pub struct Department {
    pub name: &'static str,
    pub code: &'static str,
    pub share: f64,
    pub pay_factor: f64,
    pub female_share: f64,
    pub overtime_base: f64,
}

pub const DEPARTMENTS: &[Department] = &[
    Department {
        name: "Engineering",
        code: "ENG",
        share: 0.28,
        pay_factor: 1.20,
        female_share: 0.25,
        overtime_base: 12.0,
    },
    Department {
        name: "Sales",
        code: "SAL",
        share: 0.18,
        pay_factor: 1.00,
        female_share: 0.45,
        overtime_base: 10.0,
    },
    Department {
        name: "Customer Support",
        code: "SUP",
        share: 0.16,
        pay_factor: 0.80,
        female_share: 0.62,
        overtime_base: 8.0,
    },
    Department {
        name: "Operations",
        code: "OPS",
        share: 0.14,
        pay_factor: 0.90,
        female_share: 0.35,
        overtime_base: 9.0,
    },
    Department {
        name: "Marketing",
        code: "MKT",
        share: 0.08,
        pay_factor: 1.00,
        female_share: 0.58,
        overtime_base: 6.0,
    },
    Department {
        name: "Finance",
        code: "FIN",
        share: 0.08,
        pay_factor: 1.05,
        female_share: 0.50,
        overtime_base: 7.0,
    },
    Department {
        name: "Human Resources",
        code: "HR",
        share: 0.05,
        pay_factor: 0.95,
        female_share: 0.72,
        overtime_base: 5.0,
    },
    Department {
        name: "Product",
        code: "PRD",
        share: 0.03,
        pay_factor: 1.15,
        female_share: 0.40,
        overtime_base: 8.0,
    },
];

/// Annual band medians by job level 1–6 at the simulation's start, before department factors.
pub const BAND_MEDIANS: [f64; 6] = [42_000.0, 55_000.0, 70_000.0, 90_000.0, 118_000.0, 155_000.0];

/// Bands move up this much every January; pay that doesn't follow falls below band.
pub const BAND_INFLATION: f64 = 0.03;

/// Women start this much lower in their band (a negotiated-offer gap): the legitimate,
/// fixable driver through which the fairness audit should find a disparity.
pub const FEMALE_START_GAP: f64 = 0.08;

pub const MIN_TEAM: usize = 4;
pub const MAX_TEAM: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    Resignation,
    Dismissal,
    Retirement,
}

impl ExitKind {
    pub fn code(self) -> &'static str {
        match self {
            ExitKind::Resignation => "resignation",
            ExitKind::Dismissal => "dismissal",
            ExitKind::Retirement => "retirement",
        }
    }
}

/// A team of 4–12 under one manager, or a department's leadership (its managers under the head).
#[derive(Debug, Clone)]
pub struct Team {
    pub code: String,
    pub department: usize,
    pub manager: Option<usize>,
    pub members: Vec<usize>,
    /// Headcount the team is staffed to.
    pub target_size: usize,
    /// How loaded the team is (standard normal, slowly drifting): drives overtime.
    pub workload: f64,
    /// Months (simulation index) of voluntary exits from the team.
    pub voluntary_exits: Vec<i32>,
    pub is_leadership: bool,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub key: String,
    pub sex: Sex,
    pub birth_year: i32,
    /// Month index of hire (negative: before the simulation started).
    pub hired: i32,
    pub hire_date: NaiveDate,
    pub department: usize,
    pub team: usize,
    pub level: usize,
    pub pay: f64,
    pub last_promotion: i32,
    pub last_manager_change: i32,
    pub performance: f64,
    pub rating: Option<f64>,
    pub engagement_latent: f64,
    pub engagement: Option<f64>,
    pub previous_engagement: Option<f64>,
    /// The survey's manager item ("my manager supports me", 1–5): follows the manager's
    /// leadership at the time of the last answer.
    pub manager_support: Option<f64>,
    pub commute_km: f64,
    pub overtime_propensity: f64,
    pub leadership: f64,
    pub frailty: f64,
    /// The team this person manages, if any.
    pub manages: Option<usize>,
    pub active: bool,
    /// An action taken on this person truly changes their voluntary hazard: by this ratio,
    /// until this month (exclusive). Set only by [`super::SimulationRun::act`].
    pub helped: Option<(i32, f64)>,
}
