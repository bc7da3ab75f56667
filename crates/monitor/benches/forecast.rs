//! Forecast time for 100,000 people (`cargo bench -p tenure-monitor --bench forecast`).
//!
//! Trains the landmark hazard model on a simulated 5,000-person organization (24 months), then
//! times the forecast itself for 100,000 people — every person's 12-month survival curve (twelve
//! monthly hazards each, one model call for all), then expected leavers with 90% intervals and
//! cost for the organization and 1,000 teams. The people are the organization's current
//! employees repeated, which costs the model exactly what as many different people would.

use std::time::Instant;
use tenure_data::simulate::{simulate, SimulationConfig};
use tenure_data::Mapping;
use tenure_model::backtest::train_latest_hazards;
use tenure_model::evaluate::{LearnerChoice, TrainingSettings};
use tenure_model::panel::panel_features;
use tenure_model::scoring::current_panel_months;
use tenure_model::survival::forecast::{forecast, level_uncertainty, ForecastPerson};
use tenure_model::survival::hazard::OUTLOOK_MONTHS;
use tenure_model::survival::landmark::{landmark_months, landmark_outlooks};

const PEOPLE: usize = 100_000;
const TEAMS: usize = 1_000;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let files = simulate(SimulationConfig {
        people: 5_000,
        months: 24,
        seed: 1,
    })
    .write(dir.path())
    .expect("the simulation written");
    let mapping = Mapping::from_toml_file(&files.mapping).expect("the simulated mapping");
    let parsed = tenure_ingest::load_file(&files.panel, &mapping, 20).expect("the simulated panel");
    let snapshots: Vec<_> = parsed.rows.into_iter().map(|r| r.snapshot).collect();
    let frame = tenure_domain::SnapshotFrame::from_snapshots(&snapshots);

    let started = Instant::now();
    let features = panel_features(&frame, &mapping.roles, 1);
    let landmarks = landmark_months(&frame, &features, OUTLOOK_MONTHS);
    let settings = TrainingSettings {
        learner: LearnerChoice::Auto,
        seed: 1,
        threads: 2,
    };
    let hazards = train_latest_hazards(&landmarks, &settings).expect("a model");
    let (model, trained_on) = (hazards.model, hazards.trained_on);
    let training = started.elapsed().as_secs_f64();

    let current = current_panel_months(&frame, &features.months);
    let as_of = features.months[current[0] as usize].as_of;
    let rows: Vec<u32> = (0..PEOPLE).map(|i| current[i % current.len()]).collect();
    let started = Instant::now();
    let curves =
        landmark_outlooks(&model, &features.table, &rows, as_of, OUTLOOK_MONTHS).expect("curves");
    let curved = started.elapsed().as_secs_f64();
    let people: Vec<ForecastPerson> = curves
        .into_iter()
        .enumerate()
        .map(|(i, outlook)| ForecastPerson {
            outlook,
            group: Some(format!("team {}", i % TEAMS)),
            replacement_cost: Some(0.21 * 60_000.0),
            regretted: Some(i % 3 == 0),
        })
        .collect();
    let grouped = Instant::now();
    let (organization, groups) = forecast(&people, level_uncertainty(800));
    let grouping = grouped.elapsed().as_secs_f64();
    let total = started.elapsed().as_secs_f64();
    let six = &organization.horizons.as_ref().expect("figures")[1];
    println!(
        "trained on {trained_on} landmark person-months in {training:.1} s ({})",
        model.describe()
    );
    println!(
        "forecast for {PEOPLE} people: {total:.2} s ({:.0} people/s) — survival curves {curved:.2} s, \
         intervals and cost for the organization and {} teams {grouping:.3} s",
        PEOPLE as f64 / total,
        groups.len()
    );
    println!(
        "expected 6-month leavers {:.0} [{}–{}]",
        six.leavers.expected, six.leavers.lower, six.leavers.upper
    );
}
