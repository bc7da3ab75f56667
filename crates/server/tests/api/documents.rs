//! The documents an organization publishes (issue 28): the workers' notice and the
//! impact-assessment draft come from the organization's own records — change a record and
//! the document changes — in English and Chinese, as HTML, Markdown and PDF; the Chinese PDF
//! embeds a font with Chinese glyphs, reads back as Chinese and renders to an image.

use crate::support::scenarios::simulated_trained;
use crate::support::*;
use serde_json::json;
use tenure_server::Settings;

/// Runs a poppler tool (poppler-utils, installed by scripts/prerequisites.sh): missing, the
/// test fails rather than passes unseen.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed: {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What a PDF says, by pdffonts and pdftotext, after checking each font is embedded; and
/// the share of its first page's pixels that are inked, rendered by pdftoppm.
pub(crate) fn read_pdf(pdf: &[u8], name: &str) -> (String, String, f64) {
    assert!(pdf.starts_with(b"%PDF-"), "{name} is a PDF");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, pdf).unwrap();
    let file = file.to_str().unwrap();
    let fonts = poppler("pdffonts", &[file]);
    for row in fonts.lines().skip(2) {
        let columns: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            columns[columns.len() - 5],
            "yes",
            "every font embedded: {fonts}"
        );
    }
    let text = poppler("pdftotext", &["-layout", file, "-"]);
    let image = dir.path().join("page");
    poppler(
        "pdftoppm",
        &[
            "-gray",
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            file,
            image.to_str().unwrap(),
        ],
    );
    let pgm = std::fs::read(dir.path().join("page.pgm")).unwrap();
    // P5, width, height, 255, then a byte a pixel: the pixels are the last width × height.
    let header: Vec<&[u8]> = pgm.splitn(5, |b| b.is_ascii_whitespace()).collect();
    let size = |field: &[u8]| {
        std::str::from_utf8(field)
            .unwrap()
            .parse::<usize>()
            .unwrap()
    };
    let pixels = &pgm[pgm.len() - size(header[1]) * size(header[2])..];
    let inked = pixels.iter().filter(|&&p| p < 128).count() as f64 / pixels.len() as f64;
    (fonts, text, inked)
}

#[tokio::test]
async fn the_notice_and_impact_assessment_come_from_the_records_in_both_languages() {
    let server = TestServer::start(
        TestDatabase::sqlite(),
        Settings {
            training_threads: 1,
            ..Settings::default()
        },
    )
    .await;
    let owner = simulated_trained(&server, "docs", 200).await;
    owner
        .put(
            "/api/v1/governance",
            json!({
                "legal_basis": "GDPR art. 6(1)(f); works agreement 2026-03",
                "impact_assessment": "DPIA-2026-017",
                "impact_assessment_on": "2026-11-02",
                "workers_informed_on": "2026-11-20",
                "contact": "privacy@docs.example",
            }),
        )
        .await
        .expect(200);
    let governance = owner.get("/api/v1/governance").await.expect(200);
    assert_eq!(governance["impact_assessment_on"], "2026-11-02");
    assert_eq!(governance["contact"], "privacy@docs.example");

    let notice = owner.page("/api/v1/documents/workers-notice").await;
    assert_eq!(notice.status, 200);
    assert_eq!(notice.content_type, "text/html; charset=utf-8");
    let html = String::from_utf8(notice.body).unwrap();
    for expected in [
        "<html lang=\"en\">",
        "GDPR art. 6(1)(f); works agreement 2026-03",
        "DPIA-2026-017",
        "privacy@docs.example",
        "version 1",
        "at least 5 people",
        "no job sites",
    ] {
        assert!(html.contains(expected), "{expected:?} in the notice");
    }
    assert!(html.contains("The model reads these fields: "));

    // Change the records: the notice follows.
    owner
        .put(
            "/api/v1/trust-settings",
            json!({"retention_months": 24, "fairness_gate": true, "min_group_size": 9}),
        )
        .await
        .expect(200);
    owner
        .put(
            "/api/v1/governance",
            json!({
                "legal_basis": "PIPL art. 13(1)(2); 职工代表大会 2026-11",
                "impact_assessment": "PIA-2026-003",
                "workers_informed_on": "2026-11-20",
                "contact": "hr-privacy@docs.example",
            }),
        )
        .await
        .expect(200);
    let changed = owner.get_text("/api/v1/documents/workers-notice").await;
    assert!(changed.contains("at least 9 people") && !changed.contains("at least 5 people"));
    assert!(changed.contains("older than 24 months"));
    assert!(changed.contains("PIPL art. 13(1)(2)") && !changed.contains("GDPR art. 6(1)(f)"));
    assert!(changed.contains("hr-privacy@docs.example"));

    // Chinese, as HTML and Markdown.
    let chinese = owner
        .get_text("/api/v1/documents/workers-notice?lang=zh-CN")
        .await;
    assert!(chinese.contains("<html lang=\"zh-CN\">"));
    assert!(chinese.contains("员工告知书"));
    assert!(chinese.contains("每组至少 9 人"));
    let markdown = owner
        .page("/api/v1/documents/workers-notice?lang=zh-CN&format=markdown")
        .await;
    assert_eq!(markdown.content_type, "text/markdown; charset=utf-8");
    assert!(String::from_utf8(markdown.body)
        .unwrap()
        .starts_with("# 员工告知书"));

    // The Chinese PDF: an embedded CJK font, Chinese text that reads back, ink on the page.
    let pdf = owner
        .page("/api/v1/documents/workers-notice?lang=zh-CN&format=pdf")
        .await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.content_type, "application/pdf");
    assert_eq!(
        pdf.disposition.as_deref(),
        Some("attachment; filename=\"workers-notice-zh-CN.pdf\"")
    );
    let (fonts, text, inked) = read_pdf(&pdf.body, "notice-zh.pdf");
    assert!(fonts.contains("CID"), "{fonts}");
    let squashed: String = text.split_whitespace().collect();
    assert!(squashed.contains("员工告知书"), "{text}");
    assert!(
        squashed.contains("职工代表大会2026-11"),
        "the record's own words: {text}"
    );
    assert!(squashed.contains("每组至少9人"), "{text}");
    assert!(inked > 0.005, "the page is drawn: {inked}");

    let english = owner
        .page("/api/v1/documents/workers-notice?format=pdf")
        .await;
    let (_, text, _) = read_pdf(&english.body, "notice-en.pdf");
    assert!(text.contains("Notice to workers"), "{text}");

    // The impact-assessment draft, for owners and auditors, pre-filled and left to complete.
    let draft = owner.get_text("/api/v1/documents/impact-assessment").await;
    assert!(draft.contains("Reference PIA-2026-003"));
    assert!(draft.contains("fairness release gate is on"));
    assert!(draft.contains("contenteditable=\"true\""));
    let draft_html_zh = owner
        .get_text("/api/v1/documents/impact-assessment?lang=zh-CN")
        .await;
    assert!(
        draft_html_zh.contains("个人信息保护影响评估") && draft_html_zh.contains("PIA-2026-003")
    );
    assert!(
        draft_html_zh.contains("公平性发布闸门已开启"),
        "the gate, in Chinese"
    );
    let draft_pdf = owner
        .page("/api/v1/documents/impact-assessment?format=pdf")
        .await;
    let (_, text, _) = read_pdf(&draft_pdf.body, "dpia-en.pdf");
    assert!(
        text.contains("PIA-2026-003") && text.contains("Data-protection impact assessment"),
        "{text}"
    );
    let draft_zh = owner
        .page("/api/v1/documents/impact-assessment?lang=zh-CN&format=pdf")
        .await;
    let (_, text, _) = read_pdf(&draft_zh.body, "dpia-zh.pdf");
    let squashed: String = text.split_whitespace().collect();
    assert!(squashed.contains("个人信息保护影响评估"), "{text}");
    assert!(squashed.contains("PIA-2026-003"), "{text}");
    let hr = server
        .join_as(&owner, "hr@docs.example", json!({"role": "hr"}))
        .await;
    assert_eq!(
        hr.get("/api/v1/documents/impact-assessment").await.status,
        403
    );
    assert_eq!(
        hr.page("/api/v1/documents/workers-notice").await.status,
        200,
        "every member may pass the notice on"
    );

    // The reports page links each document in each language; HR's, the notice only.
    let page = owner.get_text("/reports").await;
    assert!(page.contains("/api/v1/documents/workers-notice?lang=zh-CN&amp;format=pdf"));
    assert!(page.contains("/api/v1/documents/impact-assessment?lang=en&amp;format=markdown"));
    let page = hr.get_text("/reports").await;
    assert!(page.contains("/api/v1/documents/workers-notice?lang=en&amp;format=html"));
    assert!(!page.contains("impact-assessment"));

    // Bad requests name what is accepted.
    let refused = owner
        .get("/api/v1/documents/workers-notice?lang=fr")
        .await
        .expect(400);
    assert!(refused.to_string().contains("expected en or zh-CN"));
    let refused = owner
        .get("/api/v1/documents/workers-notice?format=docx")
        .await
        .expect(400);
    assert!(refused
        .to_string()
        .contains("expected html, markdown or pdf"));
    server.stop().await;
}
