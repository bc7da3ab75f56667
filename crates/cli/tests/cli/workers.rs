//! Workers in their own processes: every job finished exactly once though one is killed, offboarded
//! data deleted, suspension honoured, a new month warning each rising person once.

use crate::support::*;
use std::path::Path;
use std::process::Command;
use std::process::{Child, Stdio};
use tenure_store::testing::TestDatabase;
use tenure_store::JobStatus;

fn worker(db: &str, name: &str, logs: &Path) -> Child {
    Command::new(TENURE)
        .args(["worker", "--db", db, "--name", name, "--lease-seconds", "2"])
        .env_remove("TENURE_DATABASE_URL")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(logs).unwrap())
        .spawn()
        .unwrap()
}

/// The ids of the jobs a worker's log says it finished.
fn finished_in(logs: &Path) -> Vec<i64> {
    std::fs::read_to_string(logs)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["fields"]["message"] == "job finished")
        .map(|l| l["fields"]["job"].as_i64().unwrap())
        .collect()
}

/// Two workers share 1,000 queued jobs; one is SIGKILLed midway, holding a job. Every job
/// completes exactly once: the dead worker's job is claimed again when its lease lapses,
/// and no job is finished by both.
#[tokio::test]
async fn two_workers_finish_every_job_exactly_once_though_one_is_killed() {
    for database in TestDatabase::all("two_workers").await {
        let db = database.url.as_str();
        let dir = tempfile::tempdir().unwrap();
        assert!(tenure(&["thresholds", "--db", db, "--org", "acme"])
            .status
            .success());
        let (a_logs, b_logs) = (dir.path().join("a.log"), dir.path().join("b.log"));
        let mut a = worker(db, "a", &a_logs);
        let mut b = worker(db, "b", &b_logs);
        let pings = Command::new(TENURE)
            .args(["admin", "--db", db, "ping-workers", "--org", "acme"])
            .args([
                "--count",
                "1000",
                "--pause-ms",
                "25",
                "--timeout-seconds",
                "300",
            ])
            .env_remove("TENURE_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();

        let store = open_store(db).await;
        let org = store.organization("acme").await.unwrap().unwrap().id;
        let held_by_a = loop {
            let jobs = store.jobs(org, 2000).await.unwrap();
            // Midway for a: it has finished 200 jobs of its own (its share need not be
            // half when the machine is busy) and holds another.
            let done_by_a = jobs
                .iter()
                .filter(|j| j.finished_at.is_some() && j.worker.as_deref() == Some("a"))
                .count();
            let held = jobs
                .iter()
                .find(|j| j.status == JobStatus::Running && j.worker.as_deref() == Some("a"));
            let done = jobs.iter().filter(|j| j.finished_at.is_some()).count();
            assert!(
                done < 1000,
                "all done before a had finished 200: a took {done_by_a}"
            );
            if let Some(held) = held.filter(|_| done_by_a >= 200) {
                break held.id;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        };
        a.kill().unwrap(); // SIGKILL: no chance to let go of its job
        a.wait().unwrap();
        let in_flight: Vec<i64> = store
            .jobs(org, 2000)
            .await
            .unwrap()
            .iter()
            .filter(|j| j.status == JobStatus::Running && j.worker.as_deref() == Some("a"))
            .map(|j| j.id)
            .collect();

        let summary = pings.wait_with_output().unwrap();
        assert!(summary.status.success(), "{}", stderr(&summary));
        let summary: serde_json::Value = serde_json::from_str(&stdout(&summary)).unwrap();
        Command::new("kill")
            .args(["-TERM", &b.id().to_string()])
            .status()
            .unwrap();
        assert!(b.wait().unwrap().success());

        assert_eq!(summary["pings"], 1000, "{summary}");
        assert_eq!(summary["succeeded"], 1000, "{summary}");
        let jobs = store.jobs(org, 2000).await.unwrap();
        assert_eq!(jobs.len(), 1000);
        for job in &jobs {
            assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
            // Finished by the worker that held it last, and by no other.
            assert_eq!(
                job.result.as_ref().unwrap()["worker"].as_str(),
                job.worker.as_deref()
            );
        }
        // The job a held when it died (if it was not between two jobs) went to b, on a
        // second claim.
        assert!(in_flight.len() <= 1, "a held {in_flight:?}");
        for id in &in_flight {
            let redone = jobs.iter().find(|j| j.id == *id).unwrap();
            assert_eq!((redone.worker.as_deref(), redone.attempts), (Some("b"), 2));
        }
        assert_eq!(summary["claimed_again"], in_flight.len(), "{summary}");
        let by_a = summary["by_worker"]["a"].as_u64().unwrap();
        let by_b = summary["by_worker"]["b"].as_u64().unwrap();
        assert_eq!(by_a + by_b, 1000);
        assert!(by_a >= 200, "{summary}");
        let (a_done, b_done) = (finished_in(&a_logs), finished_in(&b_logs));
        assert_eq!(b_done.len() as u64, by_b);
        assert!(a_done.len() as u64 <= by_a && a_done.len() as u64 + 1 >= by_a);
        let b_set: std::collections::HashSet<i64> = b_done.iter().copied().collect();
        assert!(
            a_done.iter().all(|id| !b_set.contains(id)),
            "a job finished twice"
        );
        println!(
            "{}: a finished {by_a}, b {by_b}; seen holding job {held_by_a} just before the kill; claimed again after it: {in_flight:?}",
            database.backend_name
        );
        store.close().await;
    }
}

/// TRUST 23: an offboarded organization's data is gone by its purge date: the workers
/// delete every row it owns in every table (a second organization keeps all of its own),
/// and an organization not offboarded can't be deleted.
#[tokio::test]
async fn an_offboarded_organizations_rows_are_all_deleted_by_the_workers() {
    for database in TestDatabase::all("offboarding").await {
        let db = database.url.as_str();
        let dir = tempfile::tempdir().unwrap();
        let sim = dir.path().join("sim");
        simulate(&sim, "120", "14", "3");
        let (panel, mapping) = (sim.join("panel.csv"), sim.join("mapping.toml"));
        for org in ["gone", "stays"] {
            imported(
                panel.to_str().unwrap(),
                mapping.to_str().unwrap(),
                db,
                Some(org),
            );
            switch_on_scoring(db, Some(org));
            let member = Command::new(TENURE)
                .args([
                    "admin", "--db", db, "member", "add", "--org", org, "--email",
                ])
                .arg(format!("owner@{org}.example"))
                .args(["--role", "owner"])
                .env("TENURE_PASSWORD", "a long enough password")
                .output()
                .unwrap();
            assert!(member.status.success(), "{}", stderr(&member));
        }
        let store = open_store(db).await;
        let gone = store.organization("gone").await.unwrap().unwrap().id;
        let stays = store.organization("stays").await.unwrap().unwrap().id;
        assert!(
            store.delete_organization(gone).await.is_err(),
            "not offboarded yet"
        );
        let rows_of = |org: tenure_store::OrgId| {
            let store = store.clone();
            async move {
                let mut counts = std::collections::BTreeMap::new();
                for (table, columns) in store.tables_and_columns().await.unwrap() {
                    if !columns.iter().any(|c| c == "org_id") {
                        continue;
                    }
                    let n: i64 = sqlx::Row::get(
                        &sqlx::query(&format!("SELECT COUNT(*) FROM {table} WHERE org_id = $1"))
                            .bind(org.0)
                            .fetch_one(store.pool_for_tests())
                            .await
                            .unwrap(),
                        0,
                    );
                    counts.insert(table, n);
                }
                counts
            }
        };
        let before = rows_of(gone).await;
        assert!(before["snapshots"] > 0 && before["governance"] == 1 && before["memberships"] == 1);
        let offboarded = tenure(&[
            "admin",
            "--db",
            db,
            "offboard",
            "--org",
            "gone",
            "--after-days",
            "0",
        ]);
        assert!(offboarded.status.success(), "{}", stderr(&offboarded));
        assert!(stdout(&offboarded).contains("deleted by the workers"));
        let too_late = tenure(&[
            "admin",
            "--db",
            db,
            "offboard",
            "--org",
            "stays",
            "--after-days",
            "31",
        ]);
        assert!(!too_late.status.success(), "more than 30 days is refused");

        let worked = Command::new(TENURE)
            .args(["worker", "--db", db, "--until-idle"])
            .env_remove("TENURE_DATABASE_URL")
            .output()
            .unwrap();
        assert!(worked.status.success(), "{}", stderr(&worked));
        let after = rows_of(gone).await;
        assert!(
            after.values().all(|&n| n == 0),
            "{}: rows left {after:?}",
            database.backend_name
        );
        assert_eq!(
            after.keys().collect::<Vec<_>>(),
            before.keys().collect::<Vec<_>>()
        );
        assert!(store.organization("gone").await.unwrap().is_none());
        let login = store.user_by_email("owner@gone.example").await.unwrap();
        assert!(
            login.is_none(),
            "an account that belonged to it alone is gone"
        );
        let kept = rows_of(stays).await;
        assert!(
            kept["snapshots"] > 0 && kept["governance"] == 1 && kept["memberships"] == 1,
            "{kept:?}"
        );
        println!("{}: deleted {before:?}", database.backend_name);
        store.close().await;
        database.remove().await;
    }
}

/// The kill switch: a suspended organization is not scored, and its queued jobs wait
/// until it is resumed while a worker is running.
#[test]
fn a_suspended_organization_gets_no_scoring_until_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let db = &database_with_acme(dir.path());
    let suspended = tenure(&["admin", "--db", db, "suspend", "--org", "acme"]);
    assert!(
        stdout(&suspended).starts_with("acme: suspended since "),
        "{}",
        stdout(&suspended)
    );
    let scored = tenure(&["score", "--db", db, "--org", "acme"]);
    assert_eq!(scored.status.code(), Some(2));
    assert!(
        stderr(&scored).contains("acme is suspended"),
        "{}",
        stderr(&scored)
    );

    let logs = dir.path().join("worker.log");
    let mut running = worker(db, "w", &logs);
    let ping = |count: &str, timeout: &str| {
        tenure(&[
            "admin",
            "--db",
            db,
            "ping-workers",
            "--org",
            "acme",
            "--count",
            count,
            "--timeout-seconds",
            timeout,
        ])
    };
    let waiting = ping("3", "2");
    assert!(!waiting.status.success());
    assert!(
        stderr(&waiting).contains("0 of 3 pings answered"),
        "{}",
        stderr(&waiting)
    );
    let resumed = tenure(&["admin", "--db", db, "resume", "--org", "acme"]);
    assert_eq!(stdout(&resumed).trim(), "acme: active");
    let answered = ping("2", "30");
    assert!(answered.status.success(), "{}", stderr(&answered));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&answered)).unwrap();
    assert_eq!(summary["succeeded"], 2);
    assert_eq!(summary["by_worker"]["w"], 2);
    Command::new("kill")
        .args(["-TERM", &running.id().to_string()])
        .status()
        .unwrap();
    assert!(running.wait().unwrap().success());
    // The three that waited ran too, once resumed.
    assert_eq!(finished_in(&logs).len(), 5);
}

/// Warnings: an organization's first scoring run is its baseline and warns nobody; a new
/// month of data warns each person whose risk entered High or rose 15 points — once, with
/// the drivers and a supportive action for each — and scoring again warns nobody new.
#[test]
fn a_new_month_of_data_warns_each_rising_person_once() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    simulate(&sim, "1500", "20", "4");
    let panel = std::fs::read_to_string(sim.join("panel.csv")).unwrap();
    let date = |line: &str| line.split(',').nth(1).unwrap().to_owned();
    let last = panel.lines().skip(1).map(date).max().unwrap();
    let earlier: String = panel
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || date(l) != last)
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    std::fs::write(sim.join("earlier.csv"), earlier).unwrap();
    let db = dir.path().join("tenure.db").display().to_string();
    let mapping = sim.join("mapping.toml").display().to_string();
    let import = |file: &str| {
        let path = sim.join(file).display().to_string();
        let output = tenure(&["import", &path, "--mapping", &mapping, "--db", &db]);
        assert!(output.status.success(), "{}", stderr(&output));
    };
    let score = || {
        let output = tenure(&["score", "--db", &db, "--top", "0"]);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    import("earlier.csv");
    switch_on_scoring(&db, None);
    let thresholds = tenure(&[
        "thresholds",
        "--db",
        &db,
        "--high",
        "0.06",
        "--medium",
        "0.03",
    ]);
    assert!(thresholds.status.success(), "{}", stderr(&thresholds));
    let trained = tenure(&["train", "--db", &db, "--horizon", "3", "--origins", "1"]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    assert!(
        score().contains("warnings raised: 0 "),
        "the baseline warns nobody"
    );

    import("panel.csv");
    let rescored = score();
    let raised: usize = rescored
        .split("warnings raised: ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{rescored}"));
    assert!(raised > 0, "{rescored}");
    println!("the new month raised {raised} warnings");
    // Within the default capacity: 2.75% of the people scored a month.
    let scored: usize = rescored
        .split("scored ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("{rescored}"));
    assert!(
        raised <= (0.0275 * scored as f64).round() as usize,
        "{raised} of {scored}: {rescored}"
    );
    let listed = tenure(&["warnings", "--db", &db, "--limit", "1000", "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let warnings = listed["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), raised);
    let people: std::collections::HashSet<&str> = warnings
        .iter()
        .map(|w| w["person"].as_str().unwrap())
        .collect();
    assert_eq!(people.len(), raised, "one warning per person");
    for w in warnings {
        assert_eq!(w["status"], "open");
        let changed = w["what_changed"].as_array().unwrap();
        assert!(!changed.is_empty(), "{w}");
        assert!(
            changed.iter().all(|c| {
                let c = c.as_str().unwrap();
                c.starts_with("risk rose")
                    || c == "first scored at high risk"
                    || c.starts_with("among the highest risks HR has room for")
            }),
            "{w}"
        );
        let drivers = w["drivers"].as_array().unwrap();
        assert!(!drivers.is_empty() && drivers.len() <= 3, "{w}");
        for d in drivers {
            assert!(!d["action_words"].as_str().unwrap().is_empty(), "{d}");
            assert!(!d["action_words"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains("confront"));
        }
    }
    assert!(listed["conduct"].as_str().unwrap().contains("confidential"));
    assert!(
        score().contains("warnings raised: 0 "),
        "scoring again warns nobody new"
    );
    let text = tenure(&["warnings", "--db", &db]);
    assert!(stdout(&text).contains("newest first"), "{}", stdout(&text));
}

/// Sends SIGTERM to `child` (`tenure` handles it as a request to stop).
fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits (up to `seconds`) for `child` to exit; its exit code and how long it took.
fn exited_within(child: &mut Child, seconds: u64) -> (Option<i32>, std::time::Duration) {
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(seconds) {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), started.elapsed());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    panic!("still running {seconds} s after being told to stop");
}

/// Waits (up to a minute) until job `id` of `org` is running.
async fn running(store: &tenure_store::Store, org: tenure_domain::OrgId, id: i64) {
    for _ in 0..3000 {
        let job = store.job(org, id).await.unwrap().unwrap();
        if job.status == JobStatus::Running {
            return;
        }
        assert_eq!(job.status, JobStatus::Queued, "{job:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("job {id} never started");
}

/// A stopped worker lets a short job finish, then exits; a second signal ends it at once
/// (exit code 130), without waiting for the job it holds.
#[tokio::test]
async fn a_stopped_worker_finishes_a_short_job_and_a_second_signal_ends_it_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = &database_with_acme(dir.path());
    let store = open_store(db).await;
    let org = store.organization("acme").await.unwrap().unwrap().id;
    let ping = |pause_ms| tenure_monitor::JobSpec::Ping { pause_ms }.to_job(None);

    let short = store.enqueue_job(org, &ping(1_500)).await.unwrap();
    let mut worker_a = worker(db, "a", &dir.path().join("a.log"));
    running(&store, org, short).await;
    terminate(&worker_a);
    let (code, _) = exited_within(&mut worker_a, 10);
    assert_eq!(code, Some(0));
    let record = store.job(org, short).await.unwrap().unwrap();
    assert_eq!(
        record.status,
        JobStatus::Succeeded,
        "the short job was finished"
    );

    let long_ping = store.enqueue_job(org, &ping(60_000)).await.unwrap();
    let mut worker_b = worker(db, "b", &dir.path().join("b.log"));
    running(&store, org, long_ping).await;
    terminate(&worker_b);
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(worker_b.try_wait().unwrap().is_none(), "waits for the ping");
    terminate(&worker_b);
    let (code, took) = exited_within(&mut worker_b, 10);
    assert_eq!(code, Some(130));
    assert!(took < std::time::Duration::from_secs(2), "took {took:?}");
    store.close().await;
}

/// A stopped worker — in `tenure worker` or inside `tenure serve` — hands a training job back
/// to the queue at once and exits within 10 s; the job did not use up an attempt, and
/// another worker runs it to completion.
#[tokio::test]
async fn a_stopped_worker_hands_a_long_job_back_and_another_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    simulate(&sim, "300", "36", "5");
    let db = dir.path().join("tenure.db");
    let db = db.to_str().unwrap();
    imported(
        sim.join("panel.csv").to_str().unwrap(),
        sim.join("mapping.toml").to_str().unwrap(),
        db,
        Some("acme"),
    );
    switch_on_scoring(db, Some("acme"));
    let store = open_store(db).await;
    let org = store.organization("acme").await.unwrap().unwrap().id;
    let training = tenure_monitor::JobSpec::Train {
        learner: "logistic".into(),
        seed: 1,
        horizon_months: 6,
        origins: 4,
        step: 3,
        folds: 5,
    };
    let id = store
        .enqueue_job(org, &training.to_job(None))
        .await
        .unwrap();

    // A `tenure worker`, then the workers inside `tenure serve`: each is stopped while it
    // trains, and each hands the job back.
    let serve = || {
        Command::new(TENURE)
            .args(["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .env_remove("TENURE_DATABASE_URL")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("serve.log")).unwrap())
            .spawn()
            .unwrap()
    };
    let first_worker = || worker(db, "first", &dir.path().join("first.log"));
    let starts: [&dyn Fn() -> Child; 2] = [&first_worker, &serve];
    for start in starts {
        let mut first = start();
        running(&store, org, id).await;
        terminate(&first);
        let (code, took) = exited_within(&mut first, 10);
        assert_eq!(code, Some(0));
        assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
        let handed_back = store.job(org, id).await.unwrap().unwrap();
        assert_eq!(
            (handed_back.status, handed_back.attempts, handed_back.worker),
            (JobStatus::Queued, 0, None),
            "handed back untouched; serve's log: {}",
            std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default()
        );
    }

    let second = Command::new(TENURE)
        .args(["worker", "--db", db, "--name", "second", "--until-idle"])
        .env_remove("TENURE_DATABASE_URL")
        .output()
        .unwrap();
    assert!(second.status.success(), "{}", stderr(&second));
    let done = store.job(org, id).await.unwrap().unwrap();
    assert_eq!(
        (done.status, done.attempts, done.worker.as_deref()),
        (JobStatus::Succeeded, 1, Some("second")),
        "{:?}",
        done.error
    );
    store.close().await;
}
