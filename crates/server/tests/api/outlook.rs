//! Teams and reporting lines ranked against their own last year (issue 24): the team whose
//! outlook worsened comes first, beyond chance, with what its people share; a manager reads
//! their own line's aggregates and never a person.

use crate::support::scenarios::worsened_team;
use crate::support::*;
use serde_json::json;
use tenure_server::Settings;

fn settings() -> Settings {
    Settings {
        training_threads: 1,
        ..Settings::default()
    }
}

#[tokio::test]
async fn the_team_whose_outlook_worsened_ranks_first_and_its_manager_sees_only_aggregates() {
    let server = TestServer::start(TestDatabase::sqlite(), settings()).await;
    let scenario = worsened_team(&server, "outlook", 600).await;
    let outlook = scenario.owner.get("/api/v1/outlook").await.expect(200);
    assert_eq!(outlook["team_column"], "team");
    let teams = outlook["teams"].as_array().unwrap();
    assert!(teams.len() >= 5, "{outlook:#}");
    let first = &teams[0];
    assert_eq!(first["group"], json!(scenario.team), "{outlook:#}");
    assert_eq!(first["change"]["worse"], true, "{first:#}");
    assert!(first["expected"].as_f64().unwrap() > first["last_year"]["high"].as_f64().unwrap());
    assert!(first["low"].as_f64().unwrap() <= first["expected"].as_f64().unwrap());
    assert!(first["expected"].as_f64().unwrap() <= first["high"].as_f64().unwrap());
    assert_eq!(first["last_year"]["months"], 12);
    // Only that team is flagged: the others run at their usual pace.
    let flagged: Vec<&str> = teams
        .iter()
        .filter(|t| t["change"]["worse"] == true)
        .map(|t| t["group"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, [scenario.team.as_str()], "{outlook:#}");
    let shared = first["shared_drivers"].as_array().unwrap();
    assert!(!shared.is_empty(), "{first:#}");
    assert!(shared
        .iter()
        .all(|d| d["people"].as_u64().unwrap() >= 2
            && !d["action_words"].as_str().unwrap().is_empty()));
    // The new manager's line is the team: its past is its people's, whoever managed them.
    let lines = outlook["lines"].as_array().unwrap();
    let line = lines
        .iter()
        .find(|l| l["group"] == json!(scenario.new_manager))
        .unwrap_or_else(|| panic!("{outlook:#}"));
    // Everyone the new manager has in the latest month: the team's people scored then (a
    // teammate missing from it keeps an older score, and the manager they had).
    let scores = scenario
        .owner
        .get("/api/v1/scores?per_page=1000")
        .await
        .expect(200);
    let under_new_manager = scores["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["team"] == json!(scenario.team) && s["as_of"] == json!(scenario.month))
        .count();
    assert_eq!(line["people"], under_new_manager, "{line:#}");
    assert_eq!(line["change"]["worse"], true, "{line:#}");
    assert!(
        line["last_year"]["average_headcount"].as_f64().unwrap() >= 10.0,
        "{line:#}"
    );

    // The new manager signs in: their own line's aggregates, no person anywhere.
    let manager = server
        .join_as(
            &scenario.owner,
            "lead@outlook.example",
            json!({"role": "manager", "manager_key": scenario.new_manager}),
        )
        .await;
    let seen = manager.get("/api/v1/outlook").await.expect(200);
    let text = seen.to_string();
    assert_eq!(seen["teams"].as_array().unwrap().len(), 1, "{seen:#}");
    assert_eq!(seen["teams"][0]["group"], json!(scenario.team));
    assert_eq!(seen["lines"][0]["group"], json!(scenario.new_manager));
    for person in &scenario.people {
        assert!(!text.contains(person.as_str()), "{person} in {text}");
    }
    manager.get("/api/v1/scores").await.expect(403);
    let page = manager.get_text("/teams").await;
    assert!(
        page.contains(&scenario.team),
        "the page ranks the manager's team"
    );
    for person in &scenario.people {
        assert!(
            !page.contains(person.as_str()),
            "{person} on the manager's page"
        );
    }
    assert!(!page.contains("href=\"/people"), "no way down to people");
    server.stop().await;
}

#[tokio::test]
async fn an_organization_without_scores_has_no_outlook_yet() {
    let server = TestServer::start(TestDatabase::sqlite(), settings()).await;
    let owner = crate::support::scenarios::member_organization(&server, "quiet").await;
    let answer = owner.get("/api/v1/outlook").await;
    // No model: the same answer the other score reads give.
    assert_eq!(answer.status, 404, "{}", answer.body);
    server.stop().await;
}
