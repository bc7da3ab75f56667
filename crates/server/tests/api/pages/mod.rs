//! Browser tests: Debian's Chromium, headless, driven through chromedriver against the real
//! server. Each page visited is screenshotted into `target/browser-screenshots/` and checked
//! with axe-core (installed from npm by `.ci/run`): no serious or critical violation.

use crate::support::*;
use fantoccini::{Client as Browser, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tenure_server::Settings;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    /// Ends chromedriver and the browsers it started (one process group), also when a test
    /// failed before closing its session: a left-over Chromium would spin on the machine.
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The driver and a headless browser session. A machine without Debian's chromium and
/// chromium-driver fails the test, saying how to install them (`scripts/test.sh` does): a
/// browser test that passes without a browser would prove nothing.
async fn browser() -> (Driver, Browser) {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is missing: install Debian's chromium and chromium-driver \
         (scripts/browser-prerequisites.sh does)"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            // Every host but this machine's resolves to nothing at once: a page that asks for
            // something from the internet (the test provider's sign-in page imports a web font)
            // must not wait for a connection the sandbox drops.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--lang=en-US",
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    for _ in 0..100 {
        match ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await
        {
            Ok(client) => return (driver, client),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("chromedriver did not start a session");
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves a screenshot of the page as `name.png` and checks it with axe-core.
async fn look_at(browser: &Browser, name: &str) {
    let png = browser.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
    let violations = accessibility_violations(browser).await;
    assert!(
        violations.as_array().is_some_and(Vec::is_empty),
        "{name}: serious or critical accessibility violations: {violations:#}"
    );
}

async fn accessibility_violations(browser: &Browser) -> Value {
    let axe = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/browser/node_modules/axe-core/axe.min.js");
    let source = std::fs::read_to_string(&axe).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run `npm ci --prefix crates/server/tests/browser`",
            axe.display()
        )
    });
    browser
        .execute(&format!("{source}\nreturn true;"), vec![])
        .await
        .unwrap();
    browser
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { resultTypes: ["violations"] }).then((result) => done(
                 result.violations
                   .filter((v) => v.impact === "serious" || v.impact === "critical")
                   .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                  nodes: v.nodes.slice(0, 3).map((n) => n.html) }))));"#,
            vec![],
        )
        .await
        .unwrap()
}

async fn wait_for_path(browser: &Browser, path: &str) {
    for _ in 0..200 {
        if browser.current_url().await.unwrap().path() == path {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "never reached {path}: at {}",
        browser.current_url().await.unwrap()
    );
}

async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Clicks the element `css` selects.
async fn click(browser: &Browser, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Types `text` into the field with id `id`.
async fn type_into(browser: &Browser, id: &str, text: &str) {
    browser
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// What the browser gets from a link, fetched with its own session.
async fn fetch_in_browser(browser: &Browser, link_id: &str) -> Value {
    let href = browser
        .find(Locator::Id(link_id))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    browser
        .execute_async(
            r#"const [href, done] = [arguments[0], arguments[arguments.length - 1]];
               fetch(href, { credentials: "same-origin" }).then(async (r) => {
                 const bytes = new Uint8Array(await r.arrayBuffer());
                 done({ status: r.status, type: r.headers.get("content-type"),
                        disposition: r.headers.get("content-disposition"),
                        start: String.fromCharCode(...bytes.slice(0, 15)), size: bytes.length });
               });"#,
            vec![json!(href)],
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn in_a_real_browser_the_owner_signs_in_reads_the_overview_switches_language_and_exports_the_report(
) {
    let (_driver, browser) = browser().await;
    let settings = Settings {
        training_threads: 1,
        ..Settings::default()
    };
    let server = TestServer::start(TestDatabase::sqlite(), settings).await;
    crate::support::scenarios::simulated_trained(&server, "browser", 300).await;

    // A page asked for before signing in leads to the sign-in form, and back after it.
    browser.goto(&server.url("/reports")).await.unwrap();
    wait_for_path(&browser, "/signin").await;
    look_at(&browser, "01-sign-in").await;
    type_into(&browser, "email", "owner@browser.example").await;
    type_into(&browser, "password", "not the password").await;
    click(&browser, "button[type=submit]").await;
    let status = browser
        .wait()
        .for_element(Locator::XPath(
            "//p[@role='status' and normalize-space(text()) != '']",
        ))
        .await
        .unwrap();
    assert!(
        status
            .text()
            .await
            .unwrap()
            .contains("e-mail address or password"),
        "a wrong password is said plainly"
    );
    browser
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    type_into(&browser, "password", PASSWORD).await;
    click(&browser, "button[type=submit]").await;
    wait_for_path(&browser, "/reports").await;
    assert_eq!(text_of(&browser, "main h1").await, "Attrition report");
    look_at(&browser, "02-reports").await;

    // The export buttons give the report as HTML and as PDF.
    let html = fetch_in_browser(&browser, "export-html").await;
    assert_eq!(html["status"], 200, "{html}");
    assert_eq!(html["type"], "text/html; charset=utf-8");
    assert!(html["disposition"].as_str().unwrap().contains(".html"));
    assert_eq!(html["start"], "<!doctype html>");
    let pdf = fetch_in_browser(&browser, "export-pdf").await;
    assert_eq!(pdf["type"], "application/pdf");
    assert!(pdf["start"].as_str().unwrap().starts_with("%PDF-"), "{pdf}");
    assert!(pdf["size"].as_u64().unwrap() > 2_000);

    // The overview, with its figures.
    browser
        .find(Locator::LinkText("Overview"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_path(&browser, "/").await;
    let figures = browser
        .find_all(Locator::Css("dl.kpis > div"))
        .await
        .unwrap();
    assert!(figures.len() >= 5, "headcount, high risk, three horizons");
    look_at(&browser, "03-overview").await;

    // Teams: department × level, drilling down to a department's people.
    browser.goto(&server.url("/teams")).await.unwrap();
    let rows = browser
        .find_all(Locator::Css("#heatmap tbody tr"))
        .await
        .unwrap();
    assert!(rows.len() >= 3, "one row per department");
    look_at(&browser, "03b-teams").await;
    click(&browser, "#heatmap tbody th a").await;
    wait_for_path(&browser, "/people").await;
    let listed = browser
        .find_all(Locator::Css("#people tbody tr"))
        .await
        .unwrap();
    assert!(!listed.is_empty(), "the department's people");
    browser.goto(&server.url("/")).await.unwrap();

    // Keyboard first: the first Tab reaches the skip link.
    browser
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{E004}")
        .await
        .unwrap();
    let focused = browser
        .execute("return document.activeElement.className;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "skip");

    // Chinese, chosen from the header, stays chosen.
    browser
        .find(Locator::Id("locale"))
        .await
        .unwrap()
        .select_by_value("zh-CN")
        .await
        .unwrap();
    for _ in 0..100 {
        let lang = browser
            .execute("return document.documentElement.lang;", vec![])
            .await
            .unwrap();
        if lang == "zh-CN" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let heading = text_of(&browser, "main h1").await;
    assert!(heading.starts_with("概览"), "{heading}");
    look_at(&browser, "04-overview-zh-CN").await;
    browser.goto(&server.url("/reports")).await.unwrap();
    assert_eq!(text_of(&browser, "main h1").await, "离职分析报告");
    look_at(&browser, "05-reports-zh-CN").await;

    // Signing out ends the session: pages lead back to the sign-in form.
    click(&browser, "form[data-api='/api/v1/logout'] button").await;
    wait_for_path(&browser, "/signin").await;
    browser.goto(&server.url("/")).await.unwrap();
    wait_for_path(&browser, "/signin").await;
    browser.close().await.unwrap();
    server.stop().await;
}

/// Signs in through the form as the owner of `slug`.
async fn sign_in(browser: &Browser, server: &TestServer, email: &str) {
    browser.goto(&server.url("/signin")).await.unwrap();
    type_into(browser, "email", email).await;
    type_into(browser, "password", PASSWORD).await;
    click(browser, "button[type=submit]").await;
    wait_for_path(browser, "/").await;
}

/// Opens the data page and chooses `file` in the import wizard; returns once the server's
/// preview of it is shown.
async fn choose_file(browser: &Browser, file: &std::path::Path) {
    let data = browser.current_url().await.unwrap().join("/data").unwrap();
    browser.goto(data.as_ref()).await.unwrap();
    let marker = browser
        .execute("window.__before_upload = true; return true;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, true);
    type_into(browser, "file", &file.display().to_string()).await;
    wait_until(
        browser,
        "return !document.querySelector('#wizard').hidden && document.querySelector('#upload [role=status]').textContent === '';",
        "the wizard's preview",
    )
    .await;
}

/// Polls the script `condition` (returning a boolean) for up to 30 s.
async fn wait_until(browser: &Browser, condition: &str, what: &str) {
    for _ in 0..300 {
        if matches!(
            browser.execute(condition, vec![]).await,
            Ok(Value::Bool(true))
        ) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = browser
        .execute(
            "const s = document.querySelector('#upload [role=status]'); return s ? s.textContent : '';",
            vec![],
        )
        .await;
    panic!("never saw {what} (the upload's status: {status:?})");
}

/// Sends the wizard's import and returns once the page reloaded after the import job.
async fn import_and_wait(browser: &Browser) {
    click(browser, "#upload button[type=submit]").await;
    // The reload after the job forgets the marker.
    wait_until(
        browser,
        "return window.__before_upload !== true;",
        "the import finish",
    )
    .await;
}

/// The power user's way: chooses the file, types the mapping as TOML under "edit as text"
/// in place of the proposal, and imports.
async fn upload(browser: &Browser, file: &std::path::Path, mapping: &str) {
    choose_file(browser, file).await;
    click(browser, "#as-text summary").await;
    browser
        .find(Locator::Id("mapping"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    type_into(browser, "mapping", mapping).await;
    import_and_wait(browser).await;
}

/// The script value of the mapping the wizard would import (its TOML).
async fn wizard_mapping(browser: &Browser) -> String {
    browser
        .execute("return document.querySelector('#mapping').value;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

fn ignores_supervisor(mapping: &str) -> bool {
    mapping
        .lines()
        .any(|line| line.starts_with("ignore = [") && line.contains("\"Supervisor\""))
}

/// A file of the HR export fixtures, by its canonical path (Chromium takes no `..`).
fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../data/tests/fixtures")
        .join(name)
        .canonicalize()
        .unwrap()
}

/// The import wizard in Chromium, with no TOML typed: an XLSX with a title above its Chinese
/// header imports with the proposal as it is; a `;`-separated Windows-1252 CSV with decimal
/// commas imports after one choice changed in the form; a file of the same columns with a bad
/// cell is offered that stored mapping, and its error shows in the page before anything is
/// sent.
#[tokio::test]
async fn in_a_real_browser_the_import_wizard_maps_exports_without_typing_toml() {
    let (_driver, browser) = browser().await;
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    crate::support::scenarios::member_organization(&server, "wizard").await;
    sign_in(&browser, &server, "owner@wizard.example").await;

    choose_file(&browser, &fixture("chinese_hris_monthly.xlsx")).await;
    assert_eq!(
        browser
            .find(Locator::Id("choice-id"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("工号")
    );
    assert_eq!(
        browser
            .find(Locator::Id("choice-as_of_format"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("%Y-%m")
    );
    let clean = text_of(&browser, "#wizard-clean").await;
    assert!(clean.contains("110 (panel)"), "{clean}");
    let sample = text_of(&browser, "#wizard-sample").await;
    assert!(
        sample.contains("统计月份") && sample.contains("2021-01"),
        "{sample}"
    );
    look_at(&browser, "18-import-wizard").await;
    import_and_wait(&browser).await;
    let imports = text_of(&browser, "#imports tbody").await;
    assert!(imports.contains("chinese_hris_monthly.xlsx"), "{imports}");
    assert!(
        browser
            .find_all(Locator::Css("#imports tr.import-complete"))
            .await
            .unwrap()
            .len()
            == 1,
        "{imports}"
    );

    // Personio's export: the supervisor is left out in the form, then imported.
    let personio = fixture("personio_employees.csv");
    choose_file(&browser, &personio).await;
    assert_eq!(
        text_of(&browser, "#wizard-source").await,
        "Proposed from the file: check it before importing."
    );
    // The proposed Chinese label of the weekly hours (工时) made exact, then the supervisor
    // left out.
    let hours = browser
        .find(Locator::Css(
            "#wizard-columns tr[data-column='Weekly hours'] input[data-label=zh]",
        ))
        .await
        .unwrap();
    assert_eq!(hours.prop("value").await.unwrap().as_deref(), Some("工时"));
    // Select all (Control+A, then the null key releasing it) and type over: a person's way,
    // with no change event until the field is left.
    hours.send_keys("\u{E009}a\u{E000}每周工时").await.unwrap();
    let supervisor = "#wizard-columns tr[data-column='Supervisor'] select[data-usage]";
    browser
        .find(Locator::Css(supervisor))
        .await
        .unwrap()
        .select_by_value("ignore")
        .await
        .unwrap();
    for _ in 0..100 {
        let mapping = wizard_mapping(&browser).await;
        if ignores_supervisor(&mapping) && mapping.contains("zh = \"每周工时\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mapping = wizard_mapping(&browser).await;
    assert!(ignores_supervisor(&mapping), "{mapping}");
    // The table was drawn again with the answer; the keyboard is still on the same field.
    let focused = browser
        .execute(
            "const a = document.activeElement; return a.matches('[data-usage]') ? a.closest('tr').dataset.column : a.tagName;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        focused,
        json!("Supervisor"),
        "the keyboard stays where it was"
    );
    assert!(
        mapping
            .contains("[roles.labels.\"Weekly hours\"]\nen = \"weekly hours\"\nzh = \"每周工时\""),
        "{mapping}"
    );
    assert!(
        !mapping.contains("manager = "),
        "an ignored column fills no role: {mapping}"
    );
    let clean = text_of(&browser, "#wizard-clean").await;
    assert!(clean.contains("320 (cross-section)"), "{clean}");
    import_and_wait(&browser).await;
    assert_eq!(
        browser
            .find_all(Locator::Css("#imports tr.import-complete"))
            .await
            .unwrap()
            .len(),
        2,
        "{}",
        text_of(&browser, "#imports tbody").await
    );

    // The same columns again, with a bad salary on line 5: the stored mapping is offered, and
    // the problem shows before anything is imported.
    let mut lines: Vec<Vec<u8>> = std::fs::read(&personio)
        .unwrap()
        .split(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let mut cells: Vec<Vec<u8>> = lines[4].split(|&b| b == b';').map(<[u8]>::to_vec).collect();
    cells[9] = b"viel".to_vec();
    lines[4] = cells.join(&b';');
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("personio_march.csv");
    std::fs::write(&broken, lines.join(&b'\n')).unwrap();
    choose_file(&browser, &broken).await;
    assert_eq!(
        text_of(&browser, "#wizard-source").await,
        "The mapping of your last import of a file with these columns."
    );
    let usage = browser
        .find(Locator::Css(supervisor))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        usage.as_deref(),
        Some("ignore"),
        "the choice made last time"
    );
    let problems = text_of(&browser, "#wizard-errors").await;
    assert!(
        problems.contains(
            "personio_march.csv:5:10 (column \"Salary\"): expected a number, found \"viel\""
        ),
        "{problems}"
    );
    assert!(!problems.contains("/tmp"), "{problems}");
    look_at(&browser, "19-import-wizard-problem").await;
    browser.close().await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn in_a_real_browser_data_is_uploaded_a_model_trained_a_what_if_tried_and_a_warning_worked_through(
) {
    let (_driver, browser) = browser().await;
    let settings = Settings {
        training_threads: 1,
        ..Settings::default()
    };
    let server = TestServer::start(TestDatabase::sqlite(), settings).await;
    let owner = crate::support::scenarios::member_organization(&server, "flows").await;
    owner.switch_on_scoring().await;
    let simulation = tenure_data::simulate::simulate(tenure_data::simulate::SimulationConfig {
        people: 300,
        months: 36,
        seed: 4,
    });
    let dir = tempfile::tempdir().unwrap();
    let files = simulation.write(dir.path()).unwrap();
    let mapping = std::fs::read_to_string(&files.mapping).unwrap();
    let csv = std::fs::read_to_string(&files.panel).unwrap();
    // The same file with one bad cell: line 5's pay.
    let broken: Vec<String> = csv
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == 4 {
                let mut cells: Vec<&str> = line.split(',').collect();
                cells[8] = "lots";
                cells.join(",")
            } else {
                line.to_owned()
            }
        })
        .collect();
    let broken_file = dir.path().join("broken.csv");
    std::fs::write(&broken_file, broken.join("\n") + "\n").unwrap();

    sign_in(&browser, &server, "owner@flows.example").await;
    // A file with a bad cell is refused whole, its error naming line, column and expectation.
    upload(&browser, &broken_file, &mapping).await;
    let errors = text_of(&browser, "#imports tr.errors").await;
    assert!(
        errors
            .contains("broken.csv:5:9 (column \"annual_pay\"): expected a number, found \"lots\""),
        "{errors}"
    );
    assert!(
        !errors.contains("/tmp"),
        "the server's own folders are not shown: {errors}"
    );
    look_at(&browser, "10-data-import-errors").await;
    // The good file lands, and training starts from the page.
    upload(&browser, &files.panel, &mapping).await;
    assert!(text_of(&browser, "#imports tbody")
        .await
        .contains("panel.csv"));
    browser
        .find(Locator::Id("learner"))
        .await
        .unwrap()
        .select_by_value("logistic")
        .await
        .unwrap();
    click(&browser, "#train button[type=submit]").await;
    let mut trained = false;
    for _ in 0..240 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        browser.refresh().await.unwrap();
        let jobs = browser
            .find_all(Locator::Css(
                "#jobs tr[data-kind='train'][data-status='succeeded']",
            ))
            .await
            .unwrap();
        let models = browser
            .find_all(Locator::Css("#models article.model"))
            .await
            .unwrap();
        if !jobs.is_empty() && !models.is_empty() {
            trained = true;
            break;
        }
    }
    assert!(trained, "the model was trained from the page");
    look_at(&browser, "11-data-and-models").await;

    // People, highest risk first; a person's page, and a what-if that saves nothing.
    browser.goto(&server.url("/people")).await.unwrap();
    look_at(&browser, "12-people").await;
    click(&browser, "#people tbody a").await;
    browser
        .wait()
        .for_element(Locator::Id("what-if"))
        .await
        .unwrap();
    let survival = text_of(&browser, "#survival").await;
    assert!(survival.contains("Leaves within 12 months"), "{survival}");
    let person = browser
        .current_url()
        .await
        .unwrap()
        .path()
        .trim_start_matches("/people/")
        .to_owned();
    let stored_before = owner
        .get(&format!("/api/v1/people/{person}/score"))
        .await
        .expect(200);
    type_into(&browser, "pay_change_percent", "30").await;
    click(&browser, "#promotion").await;
    click(&browser, "#what-if button[type=submit]").await;
    let result = browser
        .wait()
        .for_element(Locator::Css("#what-if-result[data-after]"))
        .await
        .unwrap();
    let shown = result.text().await.unwrap();
    assert!(
        shown.contains("With the changes") && shown.contains("pay: ") && shown.contains("level: "),
        "{shown}"
    );
    let after: f64 = result
        .attr("data-after")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let before = stored_before["probability"].as_f64().unwrap();
    assert!(
        after < before,
        "a raise and a promotion lower the risk: {before} → {after}"
    );
    // Another try: only a figure without a role set anew (overtime), the rest as it is.
    browser
        .find(Locator::Id("pay_change_percent"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    click(&browser, "#promotion").await;
    browser
        .find(Locator::Id("set_column"))
        .await
        .unwrap()
        .select_by_value("overtime_hours")
        .await
        .unwrap();
    type_into(&browser, "set_value", "0").await;
    click(&browser, "#what-if button[type=submit]").await;
    let mut shown = String::new();
    for _ in 0..100 {
        shown = text_of(&browser, "#what-if-result").await;
        if shown.contains("overtime hours: ") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        shown.contains("overtime hours: ") && !shown.contains("pay: "),
        "{shown}"
    );
    look_at(&browser, "13-person-what-if").await;
    let stored_after = owner
        .get(&format!("/api/v1/people/{person}/score"))
        .await
        .expect(200);
    assert_eq!(
        stored_before["probability"], stored_after["probability"],
        "nothing saved"
    );

    // Settings: the warning rules within HR's capacity, a webhook (its secret shown once, a signed test delivered)
    // and an invitation link.
    browser.goto(&server.url("/settings")).await.unwrap();
    look_at(&browser, "17-settings").await;
    let high = browser.find(Locator::Id("rule-high")).await.unwrap();
    if high.prop("checked").await.unwrap().as_deref() == Some("true") {
        high.click().await.unwrap();
    }
    for (id, value) in [
        ("rule-points", "2"),
        ("rule-days", "90"),
        ("rule-cooldown", "30"),
        ("capacity-share", "3"),
        ("capacity-count", "40"),
        ("capacity-reserve", "25"),
    ] {
        let field = browser.find(Locator::Id(id)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }
    click(&browser, "#policy button[type=submit]").await;
    let wanted = json!({
        "rules": [{"rule": "highest_risks"}, {"rule": "rises_by", "points": 0.02, "days": 90}],
        "cooldown_days": 30,
        "capacity": {"share_per_month": 0.03, "conversations_per_month": 40, "per_department": false, "reserve_for_rises": 0.25},
    });
    let mut saved = Value::Null;
    for _ in 0..100 {
        saved = owner.get("/api/v1/warning-policy").await.expect(200);
        if saved == wanted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(saved, wanted);
    // The page reloads itself after saving; load it again so nothing below finds a page
    // on its way out.
    browser.goto(&server.url("/settings")).await.unwrap();
    let receiver = crate::support::receivers::WebhookReceiver::start(0).await;
    type_into(&browser, "webhook-url", &receiver.url).await;
    click(&browser, "#add-webhook button[type=submit]").await;
    let shown = browser
        .wait()
        .for_element(Locator::Css("#add-webhook output[data-value]"))
        .await
        .unwrap();
    let secret = shown.attr("data-value").await.unwrap().unwrap();
    browser.refresh().await.unwrap();
    click(&browser, "#webhooks form[data-show='delivery_id'] button").await;
    let sent = receiver.wait_for(1, 20).await;
    assert_eq!(sent.len(), 1);
    assert!(crate::support::receivers::signature_is_valid(
        &sent[0], &secret
    ));
    type_into(&browser, "invite-email", "partner@flows.example").await;
    click(&browser, "#invite button[type=submit]").await;
    let link = browser
        .wait()
        .for_element(Locator::Css("#invite output[data-value]"))
        .await
        .unwrap();
    let invitation = link.text().await.unwrap();
    assert!(invitation.starts_with(&server.url("/invitation?token=")));
    look_at(&browser, "18-settings-filled").await;

    // A pay cut raises a warning, which is worked through its lifecycle in the inbox.
    let event = json!({"person": person, "kind": "pay_change", "values": {"pay": 1000}});
    let accepted = owner.post("/api/v1/events", event).await.expect(202);
    let job = owner
        .wait_for_job(accepted["job_id"].as_i64().unwrap())
        .await;
    assert_eq!(job["result"]["warnings_raised"], 1, "{job}");
    browser.goto(&server.url("/warnings")).await.unwrap();
    look_at(&browser, "14-warnings").await;
    click(&browser, "#warnings tbody a").await;
    browser
        .wait()
        .for_element(Locator::Id("acknowledge"))
        .await
        .unwrap();
    look_at(&browser, "15-warning-open").await;
    let step =
        |form: &'static str, fields: Vec<(&'static str, &'static str)>, status: &'static str| {
            let browser = browser.clone();
            async move {
                for (id, text) in fields {
                    type_into(&browser, id, text).await;
                }
                let button = format!("#{form} button[type=submit]");
                click(&browser, &button).await;
                for _ in 0..100 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if let Ok(shown) = browser.find(Locator::Id("warning-status")).await {
                        if shown.text().await.unwrap_or_default() == status {
                            return;
                        }
                    }
                }
                panic!("the warning never became {status}");
            }
        };
    step("acknowledge", vec![("ack-note", "seen")], "acknowledged").await;
    browser
        .find(Locator::Id("action-kind"))
        .await
        .unwrap()
        .select_by_value("stay_conversation")
        .await
        .unwrap();
    step(
        "record-action",
        vec![
            ("action-what", "stay conversation"),
            ("action-who", "HR partner"),
        ],
        "action recorded",
    )
    .await;
    step(
        "close",
        vec![
            ("close-decision", "pay reviewed"),
            ("close-reason", "talked it through"),
        ],
        "closed",
    )
    .await;
    let history = text_of(&browser, "ol.steps").await;
    assert!(
        history.contains("stay conversation")
            && history.contains("kind: stay_conversation")
            && history.contains("talked it through"),
        "{history}"
    );
    look_at(&browser, "16-warning-closed").await;

    // What helped: the action is followed once the data passes its horizon; until then the
    // page says what it needs, beside the caveat.
    browser.goto(&server.url("/warnings")).await.unwrap();
    click(&browser, "#what-helped-link").await;
    wait_for_path(&browser, "/what-helped").await;
    let caveat = text_of(&browser, "#caveat").await;
    assert!(caveat.contains("not an experiment"), "{caveat}");
    assert!(text_of(&browser, "#what-helped-counts")
        .await
        .contains("horizon has not passed yet: 1"));
    look_at(&browser, "16b-what-helped").await;

    // How right past warnings were: the person warned about is still here, so not yet known.
    browser.goto(&server.url("/data")).await.unwrap();
    let past = text_of(&browser, "#past-warnings").await;
    assert!(
        past.contains("Not yet known") && past.contains("Warnings that were right"),
        "{past}"
    );
    look_at(&browser, "19-data-past-warnings").await;

    // The invitation: signed out, the invitee sets a name and password, then signs in as HR.
    click(&browser, "form[data-api='/api/v1/logout'] button").await;
    wait_for_path(&browser, "/signin").await;
    browser.goto(&invitation).await.unwrap();
    look_at(&browser, "20-invitation").await;
    type_into(&browser, "display_name", "HR Partner").await;
    type_into(&browser, "password", PASSWORD).await;
    click(&browser, "button[type=submit]").await;
    wait_for_path(&browser, "/signin").await;
    sign_in(&browser, &server, "partner@flows.example").await;
    let nav = text_of(&browser, "nav").await;
    assert!(nav.contains("People") && nav.contains("Warnings"), "{nav}");

    // On a tablet the pages fit the screen's width.
    browser.set_window_size(768, 1024).await.unwrap();
    for path in ["/", "/teams", "/warnings"] {
        browser.goto(&server.url(path)).await.unwrap();
        let overflow = browser
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            overflow.as_i64().unwrap() <= 0,
            "{path} is wider than a tablet: {overflow}"
        );
    }
    browser.goto(&server.url("/")).await.unwrap();
    look_at(&browser, "21-overview-tablet").await;
    browser.close().await.unwrap();
    server.stop().await;
}

/// Issue 24: on the Teams page the team whose outlook worsened leads the ranking, flagged,
/// and opens onto what its people share with a conversation guide; its new manager, signed
/// in, sees their line's aggregates and no individual figure.
#[tokio::test]
async fn in_a_real_browser_the_team_whose_outlook_worsened_leads_and_its_manager_sees_no_one() {
    let (_driver, browser) = browser().await;
    let settings = Settings {
        training_threads: 1,
        ..Settings::default()
    };
    let server = TestServer::start(TestDatabase::sqlite(), settings).await;
    let scenario = crate::support::scenarios::worsened_team(&server, "ranked", 600).await;
    server
        .join_as(
            &scenario.owner,
            "lead@ranked.example",
            json!({"role": "manager", "manager_key": scenario.new_manager}),
        )
        .await;

    sign_in(&browser, &server, "owner@ranked.example").await;
    browser.goto(&server.url("/teams")).await.unwrap();
    let first = "#outlook-teams tbody tr:first-child";
    assert_eq!(
        text_of(&browser, &format!("{first} th")).await,
        scenario.team
    );
    let row = text_of(&browser, first).await;
    assert!(row.contains("worse beyond chance"), "{row}");
    let lines = text_of(&browser, "#outlook-lines").await;
    assert!(lines.contains(&scenario.new_manager), "{lines}");
    look_at(&browser, "22-teams-ranked").await;
    click(&browser, &format!("{first} th a")).await;
    let shared = browser
        .wait()
        .for_element(Locator::Css("#shared"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        shared.contains(&scenario.team)
            && shared.contains("engagement")
            && shared.contains("stay conversation"),
        "{shared}"
    );
    look_at(&browser, "23-team-shared-drivers").await;

    click(&browser, "form[data-api='/api/v1/logout'] button").await;
    wait_for_path(&browser, "/signin").await;
    sign_in(&browser, &server, "lead@ranked.example").await;
    browser.goto(&server.url("/teams")).await.unwrap();
    assert_eq!(
        text_of(&browser, &format!("{first} th")).await,
        scenario.team
    );
    let nav = text_of(&browser, "nav").await;
    assert!(!nav.contains("People"), "{nav}");
    for path in ["/", "/teams"] {
        browser.goto(&server.url(path)).await.unwrap();
        let source = browser.source().await.unwrap();
        for person in &scenario.people {
            assert!(!source.contains(person.as_str()), "{person} on {path}");
        }
        assert!(
            !source.contains("href=\"/people"),
            "a way down to people on {path}"
        );
    }
    browser.goto(&server.url("/teams")).await.unwrap();
    look_at(&browser, "24-teams-manager").await;
    browser.close().await.unwrap();
    server.stop().await;
}

/// Issue 28: HR sends a person the link to their own record; the person opens it (no account),
/// sees their factors and who viewed their record — nothing about anyone else — and objects;
/// a scoring run, an HR event and a what-if then leave them unscored and unwarned; they
/// withdraw and the next run scores them again; the link stops working when it expires.
#[tokio::test]
async fn in_a_real_browser_a_person_reads_their_own_record_objects_and_withdraws() {
    let (_driver, browser) = browser().await;
    let settings = Settings {
        training_threads: 1,
        ..Settings::default()
    };
    let server = TestServer::start(TestDatabase::sqlite(), settings).await;
    let owner = crate::support::scenarios::simulated_trained(&server, "self", 300).await;
    let everyone = owner.get("/api/v1/scores?per_page=1000").await.expect(200);
    let keys: Vec<String> = everyone["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["person"].as_str().unwrap().to_owned())
        .collect();
    let person = keys[0].clone();
    owner
        .get(&format!("/api/v1/people/{person}/score"))
        .await
        .expect(200);
    let link = owner
        .post(&format!("/api/v1/people/{person}/access-link"), json!(null))
        .await
        .expect(200);
    let url = link["url"].as_str().unwrap();
    let token = url.rsplit("token=").next().unwrap().to_owned();
    let own_page = server.url(&format!("/me?token={token}"));

    browser.goto(&own_page).await.unwrap();
    let raising = text_of(&browser, "#raising").await;
    assert!(!raising.is_empty(), "their factors in words");
    let viewers = text_of(&browser, "#viewers").await;
    assert!(viewers.contains("owner"), "who viewed, by role: {viewers}");
    let log = owner
        .get("/api/v1/audit?limit=1000&after=0")
        .await
        .expect(200);
    assert!(
        log.to_string().contains("person.self_view"),
        "their own look is audited"
    );
    let source = browser.source().await.unwrap();
    for other in keys.iter().filter(|k| **k != person) {
        assert!(
            !source.contains(&format!(">{other}<")) && !source.contains(&format!(" {other} ")),
            "{other} on {person}'s own page"
        );
    }
    look_at(&browser, "25-own-record").await;

    let scored = |person: String| {
        let owner = owner.clone();
        async move {
            let scores = owner.get("/api/v1/scores?per_page=1000").await.expect(200);
            scores["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["person"] == person.as_str())
        }
    };

    // The person objects from their page.
    click(&browser, "#objection button[type=submit]").await;
    browser
        .wait()
        .for_element(Locator::Id("objected"))
        .await
        .unwrap();
    look_at(&browser, "26-own-record-objected").await;
    assert!(!scored(person.clone()).await, "their scores went at once");
    owner.scored_everyone().await;
    assert!(!scored(person.clone()).await, "a scoring run left them out");
    let event = json!({"person": person, "kind": "pay_change", "values": {"pay": 1000}});
    let accepted = owner.post("/api/v1/events", event).await.expect(202);
    owner
        .wait_for_job(accepted["job_id"].as_i64().unwrap())
        .await;
    assert!(!scored(person.clone()).await, "an HR event left them out");
    let warnings = owner.get("/api/v1/warnings").await.expect(200);
    assert!(warnings
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["person"] == person.as_str())
        .all(|w| w["status"] == "dismissed"));
    let tried = owner
        .post(
            &format!("/api/v1/people/{person}/what-if"),
            json!({"pay_change_percent": 10}),
        )
        .await;
    assert_eq!(tried.status, 409, "a what-if refused: {}", tried.body);

    // They withdraw it; the next run scores them again.
    click(&browser, "#objection button[type=submit]").await;
    for _ in 0..100 {
        if browser.find(Locator::Id("objected")).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        browser.find(Locator::Id("objected")).await.is_err(),
        "withdrawn"
    );
    owner.scored_everyone().await;
    assert!(scored(person.clone()).await, "scored again once withdrawn");

    // The link expires.
    server
        .raw_execute("UPDATE access_links SET expires_at = '2000-01-01T00:00:00.000Z'")
        .await
        .unwrap();
    browser.goto(&own_page).await.unwrap();
    let expired = text_of(&browser, "#link-expired").await;
    assert!(expired.contains("expired"), "{expired}");
    assert!(!browser.source().await.unwrap().contains("#raising"));
    browser.close().await.unwrap();
    server.stop().await;
}

/// Single sign-on end to end, through a real OpenID Connect provider (`oidc-provider` from
/// npm, run by Node) on another site than tenure: a member lands with the role their group
/// maps to, follows their group when it changes, and is refused — their membership and
/// session ended — once no group grants access; someone from a domain not allowed is refused
/// whatever their group; and with password sign-in off, passwords are refused.
#[tokio::test]
async fn in_a_real_browser_members_sign_in_through_their_identity_provider_as_their_groups_say() {
    use crate::support::identity_provider::{IdentityProvider, CLIENT_ID, CLIENT_SECRET};
    let (_driver, browser) = browser().await;
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = crate::support::scenarios::member_organization(&server, "acme").await;
    let accounts = |ana_groups: Value| {
        json!({
            "ana": {"email": "ana@acme.example", "email_verified": true, "name": "Ana Lima",
                    "groups": ana_groups},
            "eve": {"email": "eve@elsewhere.example", "email_verified": true, "name": "Eve",
                    "groups": ["tenure-owners"]}
        })
    };
    let provider = IdentityProvider::start(
        &server.url("/sign-on/callback"),
        &accounts(json!(["tenure-hr"])),
    )
    .await;
    owner
        .put(
            "/api/v1/sign-on",
            json!({
                "issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "scopes": ["email", "profile", "groups"], "allowed_domains": ["acme.example"],
                "group_grants": [{"group": "tenure-hr", "role": "hr"},
                                 {"group": "tenure-owners", "role": "owner"}],
                "password_sign_in": false
            }),
        )
        .await
        .expect(200);

    // From tenure's sign-in page to the provider's and back, signed in as HR.
    browser.goto(&server.url("/signin")).await.unwrap();
    look_at(&browser, "sign-in-with-single-sign-on").await;
    type_into(&browser, "sign-on-organization", "acme").await;
    click(&browser, "form[action='/sign-on'] button[type=submit]").await;
    through_the_provider(&browser, &server, "ana").await;
    wait_for_path(&browser, "/").await;
    let me = me_in_browser(&browser).await;
    assert_eq!(me["status"], 200, "{me}");
    assert_eq!(
        (
            me["body"]["role"].as_str(),
            me["body"]["organization"].as_str()
        ),
        (Some("hr"), Some("acme"))
    );
    let ana = me["body"]["user_id"].as_i64().unwrap();

    // Passwords are off for the organization.
    assert_eq!(
        server.login_status("owner@acme.example", PASSWORD).await.0,
        403
    );

    // Moved to the owners' group at the provider: the next sign-in lands as an owner.
    provider.set_accounts(&accounts(json!(["tenure-owners", "tenure-hr"])));
    browser.goto(&server.url("/sign-on/acme")).await.unwrap();
    through_the_provider(&browser, &server, "ana").await;
    wait_for_path(&browser, "/").await;
    let me = me_in_browser(&browser).await;
    assert_eq!(me["body"]["role"], "owner", "{me}");

    // Removed from every group: refused, and her membership and session are gone.
    provider.set_accounts(&accounts(json!([])));
    browser.goto(&server.url("/sign-on/acme")).await.unwrap();
    through_the_provider(&browser, &server, "ana").await;
    wait_for_path(&browser, "/sign-on/callback").await;
    let refusal = text_of(&browser, "p.error").await;
    assert!(refusal.contains("None of your groups"), "{refusal}");
    look_at(&browser, "single-sign-on-refused").await;
    assert_eq!(me_in_browser(&browser).await["status"], 401);
    let members = owner.get("/api/v1/members").await.expect(200);
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["user_id"].as_i64() != Some(ana)),
        "{members}"
    );

    // Someone from a domain the organization does not allow is refused, whatever their group.
    let provider_page = format!("{}/.well-known/openid-configuration", provider.issuer);
    browser.goto(&provider_page).await.unwrap();
    browser.delete_all_cookies().await.unwrap();
    browser.goto(&server.url("/sign-on/acme")).await.unwrap();
    through_the_provider(&browser, &server, "eve").await;
    wait_for_path(&browser, "/sign-on/callback").await;
    let refusal = text_of(&browser, "p.error").await;
    assert!(refusal.contains("not in a domain"), "{refusal}");

    let audit = owner.get("/api/v1/audit?limit=200").await.expect(200);
    let actions: Vec<&str> = audit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    for action in [
        "sign_on.configured",
        "sign_on.account_created",
        "sign_on.signed_in",
        "sign_on.access_ended",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    browser.close().await.unwrap();
    server.stop().await;
}

/// Goes through what the provider asks — its sign-in form (as `login`, any password), then
/// its consent — until the browser is back at tenure.
async fn through_the_provider(browser: &Browser, server: &TestServer, login: &str) {
    let tenure = reqwest::Url::parse(&server.base).unwrap();
    let at_tenure =
        |url: &reqwest::Url| url.host_str() == tenure.host_str() && url.port() == tenure.port();
    for _ in 0..100 {
        let url = browser.current_url().await.unwrap();
        if at_tenure(&url) && (url.path() == "/" || url.path() == "/sign-on/callback") {
            return;
        }
        if let Ok(field) = browser.find(Locator::Css("input[name=login]")).await {
            field.send_keys(login).await.unwrap();
            browser
                .find(Locator::Css("input[name=password]"))
                .await
                .unwrap()
                .send_keys("any password")
                .await
                .unwrap();
            click(browser, "button[type=submit]").await;
            wait_for_another_page(browser, &url).await;
        } else if let Ok(button) = browser.find(Locator::Css("button[type=submit]")).await {
            if !at_tenure(&url) {
                button.click().await.unwrap();
                wait_for_another_page(browser, &url).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "never came back from the provider: at {}",
        browser.current_url().await.unwrap()
    );
}

async fn wait_for_another_page(browser: &Browser, left: &reqwest::Url) {
    for _ in 0..100 {
        if browser.current_url().await.unwrap() != *left {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `GET /api/v1/me` with the browser's own session: `{status, body}`.
async fn me_in_browser(browser: &Browser) -> Value {
    browser
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               fetch("/api/v1/me", { credentials: "same-origin" }).then(async (r) =>
                 done({ status: r.status, body: await r.json() }));"#,
            vec![],
        )
        .await
        .unwrap()
}
