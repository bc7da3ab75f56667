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
    let simulation = tenure_data::simulate::simulate(tenure_data::simulate::SimulationConfig {
        people,
        months: 36,
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
