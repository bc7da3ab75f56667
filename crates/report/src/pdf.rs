//! The attrition report as PDF: A4 pages of headings, wrapped text, tables and bar charts
//! drawn as vector shapes. Text is set in Helvetica, which every PDF reader carries, so the
//! file embeds no font; that font has no Chinese glyphs, so the PDF is always written in
//! English (the HTML report speaks the reader's language).

use crate::attrition::{AttritionReport, HorizonRow};
use crate::chart::Tone;
use crate::{Locale, Words};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
const LOCALE: Locale = Locale::En;

impl AttritionReport {
    /// The report as a PDF document.
    pub fn to_pdf(&self) -> Vec<u8> {
        let mut doc = Document::default();
        let w = |words: Words| words.in_(LOCALE);
        doc.heading(
            &format!("{} - {}", w(Words::AttritionReport), self.organization),
            18.0,
        );
        let mut facts = Vec::new();
        if let Some(day) = self.generated {
            facts.push(format!("{}: {}", w(Words::Generated), LOCALE.date(day)));
        }
        if let Some(day) = self.as_of {
            facts.push(format!("{}: {}", w(Words::DataAsOf), LOCALE.month(day)));
        }
        if let Some(v) = self.model_version {
            facts.push(format!("{}: {v}", w(Words::ModelVersion)));
        }
        doc.text(&facts.join("  |  "), 10.0);
        doc.text(w(Words::Confidential), 9.0);
        self.pdf_risk(&mut doc);
        self.pdf_forecast(&mut doc);
        self.pdf_trend(&mut doc);
        for (title, groups) in [
            (Words::Departments, &self.departments),
            (Words::Managers, &self.managers),
        ] {
            if groups.is_empty() {
                continue;
            }
            doc.heading(w(title), 13.0);
            let mut rows = vec![vec![
                w(Words::Group).to_owned(),
                w(Words::Headcount).to_owned(),
                "Expected (12 months)".to_owned(),
                w(Words::Interval).to_owned(),
                "Cost".to_owned(),
            ]];
            for g in groups {
                rows.push(match (g.people, &g.twelve_months) {
                    (Some(people), Some(h)) => {
                        let mut row = vec![g.name.clone(), LOCALE.count(people)];
                        row.extend(horizon_cells(h));
                        row
                    }
                    _ => vec![
                        g.name.clone(),
                        w(Words::Hidden).to_owned(),
                        String::new(),
                        String::new(),
                        String::new(),
                    ],
                });
            }
            doc.table(&rows, &[0.0, 170.0, 250.0, 350.0, 430.0]);
            doc.text(w(Words::HiddenHelp), 9.0);
        }
        if !self.drivers.is_empty() {
            doc.heading(w(Words::Drivers), 13.0);
            doc.text(w(Words::DriversHelp), 9.0);
            let top = self
                .drivers
                .iter()
                .map(|d| d.strength)
                .fold(f64::MIN_POSITIVE, f64::max);
            for d in &self.drivers {
                let shown = format!(
                    "{}  (raises risk for {})",
                    LOCALE.number(d.strength, 2),
                    LOCALE.percent(d.share_raising, 0)
                );
                doc.bar(&d.factor, d.strength / top, &shown, Tone::Medium);
            }
        }
        if let Some(a) = self.accuracy {
            doc.heading(w(Words::PastWarnings), 13.0);
            doc.text(w(Words::PastWarningsHelp), 9.0);
            let figure = |v: Option<f64>| v.map_or("-".to_owned(), |v| LOCALE.number(v, 3));
            doc.table(
                &[
                    vec![
                        w(Words::RocAuc).into(),
                        w(Words::Brier).into(),
                        w(Words::CalibrationError).into(),
                        w(Words::People).into(),
                    ],
                    vec![
                        figure(a.roc_auc),
                        figure(a.brier),
                        figure(a.calibration_error),
                        LOCALE.count(a.evaluated_people),
                    ],
                ],
                &[0.0, 120.0, 240.0, 360.0],
            );
        }
        for note in &self.notes {
            doc.text(note, 9.0);
        }
        doc.finish()
    }

    fn pdf_risk(&self, doc: &mut Document) {
        let w = |words: Words| words.in_(LOCALE);
        doc.heading(w(Words::RiskDistribution), 13.0);
        let Some(bands) = self.bands else {
            doc.text(w(Words::NoScoresYet), 10.0);
            return;
        };
        doc.text(
            &format!(
                "{} {}: {}",
                w(Words::RiskDistributionHelp),
                w(Words::Headcount),
                LOCALE.count(bands.total())
            ),
            9.0,
        );
        let total = bands.total().max(1) as f64;
        for (label, n, tone) in [
            (Words::High, bands.high, Tone::High),
            (Words::Medium, bands.medium, Tone::Medium),
            (Words::Low, bands.low, Tone::Low),
            (Words::NotEnoughData, bands.not_enough_data, Tone::Neutral),
        ] {
            let shown = format!(
                "{} ({})",
                LOCALE.count(n),
                LOCALE.percent(n as f64 / total, 0)
            );
            doc.bar(w(label), n as f64 / total, &shown, tone);
        }
    }

    fn pdf_forecast(&self, doc: &mut Document) {
        if self.forecast.is_empty() {
            return;
        }
        let w = |words: Words| words.in_(LOCALE);
        doc.heading(w(Words::ExpectedLeavers), 13.0);
        doc.text(w(Words::ExpectedLeaversHelp), 9.0);
        let mut rows = vec![vec![
            w(Words::Horizon).into(),
            "Expected".into(),
            w(Words::Interval).into(),
            "Cost".into(),
        ]];
        for h in &self.forecast {
            let mut row = vec![format!("{} months", h.months)];
            row.extend(horizon_cells(h));
            rows.push(row);
        }
        doc.table(&rows, &[0.0, 110.0, 220.0, 330.0]);
        doc.text(w(Words::CostHelp), 9.0);
    }

    fn pdf_trend(&self, doc: &mut Document) {
        if self.trend.is_empty() {
            return;
        }
        let w = |words: Words| words.in_(LOCALE);
        doc.heading(w(Words::AttritionTrend), 13.0);
        doc.text(w(Words::AttritionTrendHelp), 9.0);
        let top = self
            .trend
            .iter()
            .filter_map(|m| m.rate())
            .fold(0.001, f64::max);
        for m in self.trend.iter().rev().take(12).rev() {
            let rate = m.rate().unwrap_or(0.0);
            doc.bar(
                &LOCALE.month(m.month),
                rate / top,
                &LOCALE.percent(rate, 1),
                Tone::High,
            );
        }
    }
}

fn horizon_cells(h: &HorizonRow) -> Vec<String> {
    vec![
        LOCALE.number(h.expected, 1),
        format!("{}-{}", LOCALE.number(h.low, 0), LOCALE.number(h.high, 0)),
        LOCALE.number(h.expected_cost, 0),
    ]
}

/// Pages being filled from the top; a new page starts when the next element does not fit.
#[derive(Default)]
struct Document {
    pages: Vec<Content>,
    y: f32,
}

impl Document {
    fn room(&mut self, height: f32) -> &mut Content {
        if self.pages.is_empty() || self.y - height < MARGIN {
            self.pages.push(Content::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
        self.pages.last_mut().expect("a page")
    }

    fn heading(&mut self, text: &str, size: f32) {
        self.y -= size * 0.8;
        self.line(text, size, 0.0, Font::Bold);
        self.y -= 4.0;
    }

    fn line(&mut self, text: &str, size: f32, x: f32, font: Font) {
        let height = size * 1.35;
        let y = {
            self.room(height);
            self.y - size
        };
        let page = self.pages.last_mut().expect("a page");
        write_text(page, text, size, MARGIN + x, y, font);
        self.y -= height;
    }

    /// A paragraph wrapped to the page's width.
    fn text(&mut self, text: &str, size: f32) {
        let per_line = ((PAGE_WIDTH - 2.0 * MARGIN) / (size * 0.5)) as usize;
        let mut line = String::new();
        for word in text.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > per_line {
                self.line(&line, size, 0.0, Font::Regular);
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            self.line(&line, size, 0.0, Font::Regular);
        }
        self.y -= 3.0;
    }

    /// Rows of cells at the columns' x offsets; the first row is the header.
    fn table(&mut self, rows: &[Vec<String>], columns: &[f32]) {
        for (i, row) in rows.iter().enumerate() {
            let size = 9.5;
            let height = size * 1.6;
            self.room(height);
            let y = self.y - size;
            let page = self.pages.last_mut().expect("a page");
            let font = if i == 0 { Font::Bold } else { Font::Regular };
            for (cell, x) in row.iter().zip(columns) {
                write_text(page, cell, size, MARGIN + x, y, font);
            }
            page.set_stroke_rgb(0.82, 0.84, 0.87);
            page.move_to(MARGIN, y - 4.0);
            page.line_to(PAGE_WIDTH - MARGIN, y - 4.0);
            page.stroke();
            self.y -= height;
        }
        self.y -= 6.0;
    }

    /// A labelled horizontal bar, `share` of the plot's width (0 to 1).
    fn bar(&mut self, label: &str, share: f64, shown: &str, tone: Tone) {
        let height = 16.0;
        self.room(height);
        let y = self.y - 12.0;
        let page = self.pages.last_mut().expect("a page");
        write_text(page, label, 9.0, MARGIN, y + 2.0, Font::Regular);
        let (r, g, b) = rgb(tone.fill());
        page.set_fill_rgb(r, g, b);
        let length = (share.clamp(0.0, 1.0) as f32 * 240.0).max(1.0);
        page.rect(MARGIN + 160.0, y, length, 10.0);
        page.fill_nonzero();
        page.set_fill_gray(0.0);
        write_text(page, shown, 9.0, MARGIN + 410.0, y + 2.0, Font::Regular);
        self.y -= height;
    }

    fn finish(self) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let pages = self.pages.len().max(1);
        let page_ids: Vec<Ref> = (0..pages).map(|i| Ref::new(5 + 2 * i as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_ids.iter().copied())
            .count(pages as i32);
        pdf.type1_font(regular)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        let mut contents = self.pages;
        if contents.is_empty() {
            contents.push(Content::new());
        }
        for (i, content) in contents.into_iter().enumerate() {
            let id = page_ids[i];
            let stream = Ref::new(id.get() + 1);
            let mut page = pdf.page(id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
            page.parent(tree);
            page.contents(stream);
            let mut resources = page.resources();
            let mut fonts = resources.fonts();
            fonts.pair(Name(b"F1"), regular);
            fonts.pair(Name(b"F2"), bold);
            fonts.finish();
            resources.finish();
            page.finish();
            pdf.stream(stream, &content.finish());
        }
        pdf.finish()
    }
}

#[derive(Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

fn write_text(page: &mut Content, text: &str, size: f32, x: f32, y: f32, font: Font) {
    let name = match font {
        Font::Regular => Name(b"F1"),
        Font::Bold => Name(b"F2"),
    };
    let encoded = win_ansi(text);
    page.begin_text();
    page.set_font(name, size);
    page.next_line(x, y);
    page.show(Str(&encoded));
    page.end_text();
}

/// Text in the Windows-1252 encoding Helvetica is set in; what it cannot hold becomes "?".
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '–' => 0x96,
            '—' => 0x97,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '−' => b'-',
            '↑' => b'^',
            c if ('\u{a0}'..='\u{ff}').contains(&c) => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

fn rgb(hex: &str) -> (f32, f32, f32) {
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0) as f32 / 255.0;
    (channel(1), channel(3), channel(5))
}

#[cfg(test)]
mod tests {
    use crate::attrition::tests::example;

    #[test]
    fn the_pdf_report_is_a_pdf_with_its_figures_on_its_pages() {
        let pdf = example().to_pdf();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.ends_with(b"%%EOF") || pdf.ends_with(b"%%EOF\n"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Helvetica"));
        assert!(
            text.contains("(Attrition report - Acme <& Co>)"),
            "the title is set as text"
        );
        assert!(text.contains("(41.5)"), "the 6-month expectation");
        assert!(text.contains("(hidden)"), "a hidden department");
    }

    #[test]
    fn text_outside_the_font_becomes_a_question_mark() {
        assert_eq!(super::win_ansi("café – 离"), b"caf\xe9 \x96 ?".to_vec());
    }
}
