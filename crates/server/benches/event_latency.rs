//! Event → warning-delivered latency: a real server (its own workers, SQLite) with a trained
//! model on a simulated organization; HR events (a 40% pay cut, each for a different person)
//! are posted at a steady rate; a local webhook receiver notes when each warning arrives.
//! Reports p50/p99 from the POST to the signed webhook's arrival, for every event that
//! raised a warning, and the POST's own answer time.
//!
//! `cargo bench -p tenure-server --bench event_latency` — BENCH_RATE (events/s, 100),
//! BENCH_SECONDS (60), BENCH_PEOPLE (simulated headcount, 6,500), TENURE_WORKERS (2).

use axum::body::Bytes;
use axum::extract::State;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tenure_data::simulate::{simulate, SimulationConfig};
use tenure_data::Mapping;
use tenure_domain::{Membership, Permission, Plan, WarningPolicy, WarningRule};
use tenure_ingest::{import_file, ImportRequest, Silent};
use tenure_model::evaluate::{LearnerChoice, TrainingSettings};
use tenure_monitor::{score_organization, train_organization, Quiet, ScoreRequest, TrainRequest};
use tenure_server::secrets::{hash_secret, new_secret};
use tenure_server::{AppState, Settings};
use tenure_store::{NewApiToken, SealingKey, Store};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// When each warning's webhook arrived, by its public id: on the monotonic clock (the
/// latency) and the wall clock (to place it among the store's timestamps).
type Arrivals = Arc<Mutex<HashMap<String, (Instant, chrono::DateTime<chrono::Utc>)>>>;

async fn receive(State(arrivals): State<Arrivals>, body: Bytes) -> &'static str {
    let now = (Instant::now(), chrono::Utc::now());
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some(id) = body["warning"].as_str() {
        arrivals.lock().unwrap().insert(id.to_owned(), now);
    }
    "ok"
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }
    let rate = env("BENCH_RATE", 100).max(1);
    let seconds = env("BENCH_SECONDS", 60).max(1);
    let people = env("BENCH_PEOPLE", 6_500) as usize;
    let workers = env("TENURE_WORKERS", 2) as usize;
    let events_to_send = (rate * seconds) as usize;
    // The first seconds warm the process (each worker thread reads the model, each month's
    // comparisons are read once): sent, not measured.
    let warm_up = (rate * 2) as usize;
    let dir = tempfile::tempdir().unwrap();

    // An organization with 28 months of history (what a backtest needs) and a trained model.
    let started = Instant::now();
    let simulation = simulate(SimulationConfig {
        people,
        months: 28,
        seed: 3,
    });
    let files = simulation.write(dir.path()).unwrap();
    let db = dir.path().join("bench.db").display().to_string();
    let store = Store::connect(&db, &SealingKey::default_for(&db, None))
        .await
        .unwrap();
    let settings = Settings {
        workers,
        training_threads: 2,
        public_url: "https://tenure.bench".into(),
        ..Settings::default()
    };
    let state = AppState::new(store.clone(), settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let http = reqwest::Client::new();
    let signup = json!({"organization_slug": "bench", "organization_name": "Bench", "email": "owner@bench.example", "display_name": "Owner", "password": "correct horse battery staple"});
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = state.clone();
    let server = tokio::spawn(async move {
        tenure_server::serve(listener, served, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    let answer = http
        .post(format!("{base}/api/v1/signup"))
        .json(&signup)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    let org = store.organization("bench").await.unwrap().unwrap();
    store
        .set_membership(
            org.id,
            Membership {
                plan: Plan::Member,
                expires_on: chrono::Utc::now().date_naive() + chrono::Duration::days(30),
            },
        )
        .await
        .unwrap();
    state.forget_organization(org.id);
    let owner = store.members(org.id).await.unwrap()[0].user_id;
    let token = new_secret("tnr_");
    store
        .create_api_token(
            org.id,
            &NewApiToken {
                name: "bench",
                token_hash: &hash_secret(&token),
                scopes: &[Permission::UploadData],
                created_by: owner,
                expires_at: chrono::Utc::now() + chrono::Duration::days(1),
            },
        )
        .await
        .unwrap();
    let request = ImportRequest {
        path: &files.panel,
        mapping: Mapping::from_toml_file(&files.mapping).unwrap(),
        org: org.id,
        max_errors: 5,
        replace: false,
    };
    import_file(&store, request, &Silent).await.unwrap();
    store
        .record_governance(
            org.id,
            &tenure_store::Governance::for_simulated_data("bench"),
        )
        .await
        .unwrap();
    let training = TrainRequest {
        org: org.id,
        training: TrainingSettings {
            learner: LearnerChoice::Gbm,
            seed: 1,
            threads: 2,
        },
        horizon_months: 6,
        origins: 2,
        step: 3,
        folds: 5,
    };
    let trained = train_organization(&store, "bench", &training, &Quiet)
        .await
        .unwrap();
    let scored = score_organization(
        &store,
        "bench",
        &ScoreRequest {
            org: org.id,
            version: Some(trained.version),
            factors: 5,
        },
        &Quiet,
    )
    .await
    .unwrap();
    let policy = WarningPolicy {
        rules: vec![
            WarningRule::EntersHigh,
            WarningRule::RisesBy {
                points: 0.01,
                days: 90,
            },
        ],
        cooldown_days: 30,
        capacity: None,
        holdout_share: 0.0,
    };
    store.set_warning_policy(org.id, &policy).await.unwrap();
    store.checkpoint().await.unwrap();
    let arrivals: Arrivals = Arc::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(arrivals.clone());
    let hook_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", hook_listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(hook_listener, app).await.unwrap() });
    store.add_webhook(org.id, &hook_url, None).await.unwrap();
    println!(
        "set-up: {} people scored with model {} ({} s); sending {events_to_send} events at {rate}/s with {workers} worker(s)",
        scored.people.len(),
        trained.version,
        started.elapsed().as_secs()
    );

    // Each event cuts a different person's pay by 40%.
    let last_month = simulation.config.months - 1;
    let pay: HashMap<String, f64> = simulation
        .rows
        .iter()
        .filter(|r| r.month == last_month)
        .map(|r| (simulation_key(&simulation, r.person), r.pay))
        .collect();
    let targets: Vec<(String, f64)> = scored
        .people
        .iter()
        .filter_map(|p| {
            let key = p.score.person.to_string();
            pay.get(&key).map(|pay| (key, *pay))
        })
        .take(warm_up + events_to_send)
        .collect();
    assert!(
        targets.len() >= warm_up + events_to_send,
        "not enough people: {}",
        targets.len()
    );
    let measured: std::collections::HashSet<String> =
        targets[warm_up..].iter().map(|(p, _)| p.clone()).collect();
    type Sent = HashMap<String, (Instant, chrono::DateTime<chrono::Utc>)>;
    let sent: Arc<Mutex<Sent>> = Arc::default();
    let answers: Arc<Mutex<Vec<f64>>> = Arc::default();
    let mut tasks = Vec::new();
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let run_started = Instant::now();
    let work_before = ProcessWork::now();
    for (index, (person, pay)) in targets.into_iter().enumerate() {
        ticker.tick().await;
        let counted = index >= warm_up;
        let (http, base, token, sent, answers) = (
            http.clone(),
            base.clone(),
            token.clone(),
            sent.clone(),
            answers.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let event = json!({"person": person, "kind": "pay_change", "values": {"pay": (pay * 0.6).round()}});
            let at = Instant::now();
            sent.lock().unwrap().insert(person, (at, chrono::Utc::now()));
            let answer = http
                .post(format!("{base}/api/v1/events"))
                .bearer_auth(token)
                .json(&event)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status().as_u16(), 202);
            if counted {
                answers.lock().unwrap().push(at.elapsed().as_secs_f64() * 1000.0);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let sending = run_started.elapsed().as_secs_f64() - 2.0;
    let work = ProcessWork::now().since(&work_before);
    // Let the last warnings arrive.
    let mut quiet_for = 0;
    let mut seen = 0;
    while quiet_for < 20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = arrivals.lock().unwrap().len();
        quiet_for = if now == seen { quiet_for + 1 } else { 0 };
        seen = now;
    }
    let arrivals = arrivals.lock().unwrap().clone();
    let sent = sent.lock().unwrap().clone();
    let planned_at: HashMap<i64, chrono::DateTime<chrono::Utc>> = store
        .deliveries(org.id, None, i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|d| Some((d.warning_id?, d.created_at)))
        .collect();
    let mut latencies = Vec::new();
    let mut stages = Stages::default();
    let mut windows: std::collections::BTreeMap<u64, Vec<f64>> = Default::default();
    for (public_id, (arrived, arrived_at)) in &arrivals {
        let warning = store
            .warning_by_public_id(org.id, public_id)
            .await
            .unwrap()
            .expect("a warning the webhook named");
        let person = warning
            .warning
            .person
            .as_ref()
            .filter(|p| measured.contains(*p));
        if let Some((at, sent_at)) = person.and_then(|p| sent.get(p).copied()) {
            let ms = arrived.duration_since(at).as_secs_f64() * 1000.0;
            latencies.push(ms);
            let window = at.duration_since(run_started).as_secs() / 10 * 10;
            windows.entry(window).or_default().push(ms);
            let raised = warning.raised_at;
            let planned = planned_at.get(&warning.id).copied();
            stages.add(sent_at, raised, planned.unwrap_or(raised), *arrived_at);
        }
    }
    latencies.sort_by(f64::total_cmp);
    for (start, mut window) in windows {
        window.sort_by(f64::total_cmp);
        println!(
            "  sent {start:>3}–{:<3} s: {:>5} warnings, p50 {:.1} ms, p99 {:.1} ms",
            start + 10,
            window.len(),
            percentile(&window, 50.0),
            percentile(&window, 99.0)
        );
    }
    stages.print();
    let all_events = (warm_up + measured.len()) as f64;
    println!(
        "  the whole process, per event sent: {:.2} ms of CPU, {:.0} context switches (threads alive at the end)",
        work.cpu_seconds * 1e3 / all_events,
        work.context_switches as f64 / all_events
    );
    println!(
        "  CPU time the hypervisor gave to other guests while sending (steal): {:.1}% of the machine's",
        100.0 * work.stolen_ticks as f64 / work.machine_ticks.max(1) as f64
    );
    let mut answers = answers.lock().unwrap().clone();
    answers.sort_by(f64::total_cmp);
    println!(
        "{} events in {sending:.1} s ({:.1}/s) after {warm_up} to warm up; {} warnings delivered by webhook",
        measured.len(),
        measured.len() as f64 / sending,
        latencies.len()
    );
    println!(
        "event → warning delivered: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (goal: p99 < 50 ms)",
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "POST /api/v1/events answered: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&answers, 50.0),
        percentile(&answers, 99.0)
    );
    let wal = dir.path().join("bench.db-wal");
    if let Ok(meta) = std::fs::metadata(&wal) {
        println!(
            "SQLite write-ahead log at the end: {:.1} MB",
            meta.len() as f64 / 1e6
        );
    }
    let _ = stop.send(());
    server.await.unwrap();
}

/// CPU time and context switches of this process so far (Linux's /proc; zeros elsewhere).
/// Context switches are summed over the threads alive now: every thread of the server's
/// runtime and its SQLite connections lives through the run.
struct ProcessWork {
    cpu_seconds: f64,
    context_switches: u64,
    /// The machine's CPU time, all of it and what the hypervisor gave other guests (steal),
    /// in ticks: a run in a stolen spell is slow for reasons outside the process.
    machine_ticks: u64,
    stolen_ticks: u64,
}

impl ProcessWork {
    fn now() -> ProcessWork {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // Fields after the command name (which may hold spaces) start at the state, field 3.
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 (11 and 12 after the state); USER_HZ is 100.
        let cpu_seconds = (ticks(11) + ticks(12)) / 100.0;
        let mut context_switches = 0;
        if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
            for task in tasks.flatten() {
                let status =
                    std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
                context_switches += status
                    .lines()
                    .filter(|l| l.contains("ctxt_switches"))
                    .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                    .sum::<u64>();
            }
        }
        // /proc/stat's first line: user nice system idle iowait irq softirq steal …
        let machine = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let ticks: Vec<u64> = machine
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .take(8)
            .filter_map(|t| t.parse().ok())
            .collect();
        ProcessWork {
            cpu_seconds,
            context_switches,
            machine_ticks: ticks.iter().sum(),
            stolen_ticks: ticks.get(7).copied().unwrap_or(0),
        }
    }

    fn since(&self, before: &ProcessWork) -> ProcessWork {
        ProcessWork {
            cpu_seconds: self.cpu_seconds - before.cpu_seconds,
            context_switches: self
                .context_switches
                .saturating_sub(before.context_switches),
            machine_ticks: self.machine_ticks.saturating_sub(before.machine_ticks),
            stolen_ticks: self.stolen_ticks.saturating_sub(before.stolen_ticks),
        }
    }
}

/// Where each warning's latency went, from the store's millisecond timestamps: the POST to the
/// warning being raised (queue wait and the re-scoring pass), raised to its delivery being
/// planned (fan-out), planned to the webhook's arrival (the attempt and its HTTP request).
#[derive(Default)]
struct Stages {
    raised: Vec<f64>,
    planned: Vec<f64>,
    arrived: Vec<f64>,
}

impl Stages {
    fn add(
        &mut self,
        sent: chrono::DateTime<chrono::Utc>,
        raised: chrono::DateTime<chrono::Utc>,
        planned: chrono::DateTime<chrono::Utc>,
        arrived: chrono::DateTime<chrono::Utc>,
    ) {
        let ms = |from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>| {
            (to - from).num_microseconds().unwrap_or(0) as f64 / 1000.0
        };
        self.raised.push(ms(sent, raised));
        self.planned.push(ms(raised, planned));
        self.arrived.push(ms(planned, arrived));
    }

    fn print(mut self) {
        for (name, stage) in [
            ("event → warning raised", &mut self.raised),
            ("raised → delivery planned", &mut self.planned),
            ("planned → webhook arrived", &mut self.arrived),
        ] {
            stage.sort_by(f64::total_cmp);
            println!(
                "  {name}: p50 {:.0} ms, p90 {:.0} ms, p99 {:.0} ms (store times, to the millisecond)",
                percentile(stage, 50.0),
                percentile(stage, 90.0),
                percentile(stage, 99.0)
            );
        }
    }
}

fn simulation_key(simulation: &tenure_data::simulate::Simulation, person: usize) -> String {
    simulation.person_key(person).to_owned()
}
