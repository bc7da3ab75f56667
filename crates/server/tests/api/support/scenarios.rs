//! Set-ups several topics share: an organization trained on the IBM file or on a simulated
//! panel, the delivery settings the warning tests run with, and the pay cut they apply.

use super::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use tenure_domain::Plan;
use tenure_server::Settings;

pub const IBM_MAPPING: &str = r#"
id = "EmployeeNumber"
target = "Attrition"
positive = "Yes"
protected = ["Age", "Gender", "MaritalStatus"]
ignore = ["EmployeeCount", "Over18", "StandardHours"]

[roles]
pay = "MonthlyIncome"
level = "JobLevel"
department = "Department"
team = "JobRole"
rating = "PerformanceRating"
"#;

/// A new organization `slug` on the member plan; its owner, signed in.
pub async fn member_organization(server: &TestServer, slug: &str) -> Client {
    let owner = server.sign_up(slug, &format!("owner@{slug}.example")).await;
    server.grant(slug, Plan::Member).await;
    owner
}

/// A simulated monthly panel of `people` over 36 months from `seed`: the file and its
/// mapping, as text.
pub fn simulated_panel(people: usize, seed: u64) -> (String, String) {
    simulated_months(people, 36, seed)
}

/// As [`simulated_panel`], over `months` months.
pub fn simulated_months(people: usize, months: u32, seed: u64) -> (String, String) {
    let simulation = tenure_data::simulate::simulate(tenure_data::simulate::SimulationConfig {
        people,
        months,
        seed,
    });
    let dir = tempfile::tempdir().unwrap();
    let files = simulation.write(dir.path()).unwrap();
    let csv = std::fs::read_to_string(&files.panel).unwrap();
    let mapping = std::fs::read_to_string(&files.mapping).unwrap();
    (csv, mapping)
}

impl Client {
    /// Uploads `csv` as `name` with `mapping` and waits for the import, which must succeed.
    pub async fn imported(&self, name: &str, csv: &str, mapping: &str) -> Value {
        let job = self.upload(name, csv, mapping).await;
        let imported = self.wait_for_job(job).await;
        assert_eq!(imported["status"], "succeeded", "{imported}");
        imported
    }

    /// Switches scoring on, trains with `request` (`{"seed": 1}`, …) and waits for the
    /// training, which must succeed: the finished job.
    pub async fn trained(&self, request: Value) -> Value {
        self.switch_on_scoring().await;
        let job = self.post("/api/v1/models", request).await.expect(202)["job_id"]
            .as_i64()
            .unwrap();
        let trained = self.wait_for_job(job).await;
        assert_eq!(trained["status"], "succeeded", "{trained}");
        trained
    }

    /// Scores everyone with the latest model and waits for the run, which must succeed.
    pub async fn scored_everyone(&self) {
        let job = self
            .post("/api/v1/scoring-runs", json!({}))
            .await
            .expect(202)["job_id"]
            .as_i64()
            .unwrap();
        let scored = self.wait_for_job(job).await;
        assert_eq!(scored["status"], "succeeded", "{scored}");
    }
}

/// Uploads the IBM data and trains a logistic model on it; returns the owner.
pub async fn ibm_trained(server: &TestServer, slug: &str) -> Client {
    let owner = member_organization(server, slug).await;
    let csv =
        std::fs::read_to_string(shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv")).unwrap();
    owner
        .imported("WA_Fn-UseC_-HR-Employee-Attrition.csv", &csv, IBM_MAPPING)
        .await;
    owner
        .trained(json!({"seed": 1, "learner": "logistic"}))
        .await;
    owner
}

/// Settings for delivery tests: links under a known address, quick retries.
pub fn delivery_settings(attempts: i64) -> Settings {
    Settings {
        training_threads: 1,
        public_url: "https://tenure.test".into(),
        delivery_retry_ms: 50,
        delivery_attempts: attempts,
        ..Settings::default()
    }
}

/// People a pay cut moves most: the best paid among those whose risk is neither negligible
/// nor already high (on the log-odds scale the same push moves a 1% risk by little).
pub async fn well_paid_people_at_moderate_risk(owner: &Client, count: usize) -> Vec<(String, f64)> {
    let csv =
        std::fs::read_to_string(shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (id, income) = (column("EmployeeNumber"), column("MonthlyIncome"));
    let pay: BTreeMap<String, f64> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .map(|cells| (cells[id].to_owned(), cells[income].parse().unwrap()))
        .collect();
    let mut people = Vec::new();
    for page in 1..=4 {
        let scores = owner
            .get(&format!("/api/v1/scores?per_page=500&page={page}"))
            .await
            .expect(200);
        for s in scores["items"].as_array().unwrap() {
            let p = s["probability"].as_f64().unwrap_or(0.0);
            if (0.05..0.2).contains(&p) {
                let person = s["person"].as_str().unwrap().to_owned();
                people.push((pay[&person], person, p));
            }
        }
    }
    people.sort_by(|a, b| b.0.total_cmp(&a.0));
    people
        .into_iter()
        .take(count)
        .map(|(_, person, p)| (person, p))
        .collect()
}

pub fn pay_cut(person: &str) -> Value {
    json!({"person": person, "kind": "pay_change", "effective": "2026-11-02", "values": {"pay": 1009}})
}

/// A simulated organization uploaded, switched on and trained through the API.
pub async fn simulated_trained(server: &TestServer, slug: &str, people: usize) -> Client {
    let owner = member_organization(server, slug).await;
    let (csv, mapping) = simulated_panel(people, 4);
    owner.imported("panel.csv", &csv, &mapping).await;
    owner
        .trained(json!({"seed": 1, "learner": "logistic"}))
        .await;
    owner
}

/// An organization whose largest team's outlook worsened in its latest month.
pub struct WorsenedTeam {
    pub owner: Client,
    pub team: String,
    /// The team's new manager (its old one left): whose line it is now.
    pub new_manager: String,
    /// The team's people, who must never appear in a manager's figures.
    pub people: Vec<String>,
    /// The latest month, as the scores date it.
    pub month: String,
}

/// A simulated panel of `people` trained on every month but the last; then the last month,
/// in which the largest team has a new manager (`E99999`, the old one gone) and its
/// engagement and manager-support answers collapse — imported, scored, and read back once the
/// scores are of that month.
pub async fn worsened_team(server: &TestServer, slug: &str, people: usize) -> WorsenedTeam {
    const PERSON: usize = 0;
    const MONTH: usize = 1;
    const TEAM: usize = 3;
    const MANAGER: usize = 4;
    const ENGAGEMENT: usize = 10;
    const SUPPORT: usize = 11;
    let owner = member_organization(server, slug).await;
    let (csv, mapping) = simulated_panel(people, 4);
    let mut lines = csv.lines();
    let header = lines.next().unwrap().to_owned();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let month = rows.iter().map(|r| r[MONTH].clone()).max().unwrap();
    let as_csv = |rows: Vec<Vec<String>>| {
        let mut text = header.clone();
        for row in rows {
            text.push('\n');
            text.push_str(&row.join(","));
        }
        text.push('\n');
        text
    };
    let (last, before): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r[MONTH] == month);
    owner
        .imported("history.csv", &as_csv(before), &mapping)
        .await;
    owner
        .trained(json!({"seed": 1, "learner": "logistic"}))
        .await;

    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for r in last.iter().filter(|r| !r[TEAM].ends_with("-LEAD")) {
        *sizes.entry(r[TEAM].as_str()).or_default() += 1;
    }
    let (team, size) = sizes.iter().max_by_key(|(t, n)| (**n, *t)).unwrap();
    let team = team.to_string();
    assert!(*size >= 6, "{team}: {size}");
    let new_manager = "E99999".to_owned();
    let mut team_people = Vec::new();
    let edited: Vec<Vec<String>> = last
        .into_iter()
        .map(|mut r| {
            if r[TEAM] == team {
                r[MANAGER] = new_manager.clone();
                r[ENGAGEMENT] = "1.2".into();
                r[SUPPORT] = "1.1".into();
                team_people.push(r[PERSON].clone());
            }
            r
        })
        .collect();
    owner
        .imported("latest.csv", &as_csv(edited), &mapping)
        .await;
    // The import queues a scoring run with the trained model: wait for its month's scores.
    for _ in 0..600 {
        let outlook = owner.get("/api/v1/outlook").await.expect(200);
        if outlook["as_of"] == json!(month) {
            return WorsenedTeam {
                owner,
                team,
                new_manager,
                people: team_people,
                month,
            };
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the latest month was never scored");
}
