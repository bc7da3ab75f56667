//! A person as of one date: the unit everything downstream learns from and scores.

use crate::{PersonKey, Value};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The three shapes HR data comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// One row per person per as-of date (monthly HRIS snapshots), exits dated.
    Panel,
    /// One row per person with a target column ("left", "Attrition").
    CrossSection,
    /// One row per person with a duration and an event flag.
    TimeToEvent,
}

impl Shape {
    pub fn key(self) -> &'static str {
        match self {
            Shape::Panel => "panel",
            Shape::CrossSection => "cross-section",
            Shape::TimeToEvent => "time-to-event",
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A person's departure as the export records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exit {
    pub date: NaiveDate,
    /// The export's own word for the kind of exit ("Resigned", "Dismissed"…), if it has one.
    pub kind: Option<String>,
    /// Only voluntary exits are predicted: a dismissal is the organization's decision.
    pub voluntary: bool,
}

/// What a row without history says happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// Cross-section: did the person leave (the target's positive value)?
    Left(bool),
    /// Time-to-event: time observed, and whether it ended in an exit (else censored).
    Duration { duration: f64, event: bool },
}

/// One person as of one date (or undated, for exports without history).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub person: PersonKey,
    pub as_of: Option<NaiveDate>,
    /// Model inputs by column name. Never holds a protected column.
    pub values: BTreeMap<String, Value>,
    /// Protected attributes, kept apart: read only by the fairness audit.
    pub protected: BTreeMap<String, Value>,
    pub exit: Option<Exit>,
    pub outcome: Option<Outcome>,
}
