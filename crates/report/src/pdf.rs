//! PDF pages: A4 pages of headings, wrapped text, tables and bar charts drawn as vector
//! shapes, and the attrition report set on them. Text is set in Helvetica, which every PDF
//! reader carries (nothing embedded, Windows-1252 text only), or in the subset of an embedded
//! font it uses (Chinese documents: see `font`). The attrition report is set in Helvetica and
//! so always in English (the HTML report speaks the reader's language).

use crate::attrition::{AttritionReport, HorizonRow};
use crate::chart::Tone;
use crate::font::{breaks_anywhere, never_starts_a_line, EmbeddableFont};
use crate::{Locale, Words};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;

pub(crate) const PAGE_WIDTH: f32 = 595.0;
pub(crate) const PAGE_HEIGHT: f32 = 842.0;
pub(crate) const MARGIN: f32 = 50.0;
const LOCALE: Locale = Locale::En;

impl AttritionReport {
    /// The report as a PDF document.
    pub fn to_pdf(&self) -> Vec<u8> {
        let mut doc = Pages::default();
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
            .expect("Helvetica pages embed no font, so they always finish")
    }

    fn pdf_risk(&self, doc: &mut Pages) {
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

    fn pdf_forecast(&self, doc: &mut Pages) {
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

    fn pdf_trend(&self, doc: &mut Pages) {
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

/// Why a PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the text holds {character:?}, which the built-in PDF font cannot show: a font with those glyphs is needed ({hint})")]
    NeedsFont { character: char, hint: &'static str },
    #[error("the font {path} could not be subset for embedding: {reason}")]
    Subset { path: String, reason: String },
}

const FONT_HINT: &str =
    "install Debian's fonts-wqy-microhei or fonts-noto-cjk, or set TENURE_PDF_FONT";

/// How text is set: Helvetica, which every reader has (Windows-1252 text only, nothing
/// embedded), or the subset of an embedded font that the text uses.
enum Typeface<'f> {
    Helvetica,
    Embedded(Box<Embedding<'f>>),
}

/// An embedded font while pages are written: the glyphs used so far, renumbered from 0 for
/// the subset, with the character each stands for (the PDF's text layer) and its advance.
struct Embedding<'f> {
    font: &'f EmbeddableFont,
    face: ttf_parser::Face<'f>,
    remapper: subsetter::GlyphRemapper,
    /// By subset glyph id.
    characters: BTreeMap<u16, char>,
    units_per_em: f32,
}

impl<'f> Embedding<'f> {
    fn new(font: &'f EmbeddableFont) -> Embedding<'f> {
        let face = font.face();
        Embedding {
            units_per_em: f32::from(face.units_per_em()),
            face,
            font,
            remapper: subsetter::GlyphRemapper::new(),
            characters: BTreeMap::new(),
        }
    }

    /// The font's glyph for `c`; a character it lacks is set as "?", never as an empty box.
    fn glyph(&self, c: char) -> (ttf_parser::GlyphId, char) {
        let c = if c.is_whitespace() { ' ' } else { c };
        match self.face.glyph_index(c) {
            Some(glyph) => (glyph, c),
            None => (self.face.glyph_index('?').unwrap_or_default(), '?'),
        }
    }

    /// Width of `text` in ems.
    fn width(&self, text: &str) -> f32 {
        text.chars()
            .map(|c| self.advance(self.glyph(c).0))
            .sum::<f32>()
    }

    fn advance(&self, glyph: ttf_parser::GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) / self.units_per_em
    }

    /// `text` as two-byte subset glyph ids (Identity-H), noting each glyph used.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (glyph, shown) = self.glyph(c);
            let id = self.remapper.remap(glyph.0);
            self.characters.entry(id).or_insert(shown);
            bytes.extend(id.to_be_bytes());
        }
        bytes
    }

    /// Writes the subset as a Type 0 font with its descendant CID font, descriptor, font
    /// file and text map, at `refs` (five in a row from the first).
    fn write(&self, pdf: &mut Pdf, first: Ref) -> Result<(), PdfError> {
        let [type0, cid, descriptor, file, cmap] =
            [0, 1, 2, 3, 4].map(|i| Ref::new(first.get() + i));
        let subset = subsetter::subset(self.font.data(), self.font.index(), &self.remapper)
            .map_err(|e| PdfError::Subset {
                path: self.font.path().display().to_string(),
                reason: format!("{e:?}"),
            })?;
        let postscript = self
            .face
            .names()
            .into_iter()
            .find(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .and_then(|n| n.to_string())
            .unwrap_or_else(|| "Embedded".into());
        let base = format!("TENURE+{}", postscript.replace(' ', ""));
        let cff = self.face.tables().cff.is_some();
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        pdf.type0_font(type0)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);
        let widths: Vec<f32> = self
            .remapper
            .remapped_gids()
            .map(|old| self.advance(ttf_parser::GlyphId(old)) * 1000.0)
            .collect();
        let mut font = pdf.cid_font(cid);
        font.subtype(if cff {
            CidFontType::Type0
        } else {
            CidFontType::Type2
        })
        .base_font(Name(base.as_bytes()))
        .system_info(system)
        .font_descriptor(descriptor)
        .default_width(0.0);
        if !cff {
            font.cid_to_gid_map_predefined(Name(b"Identity"));
        }
        font.widths().consecutive(0, widths);
        font.finish();
        let scale = 1000.0 / self.units_per_em;
        let bbox = self.face.global_bounding_box();
        let mut descriptor_dict = pdf.font_descriptor(descriptor);
        descriptor_dict
            .name(Name(base.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(self.face.ascender()) * scale)
            .descent(f32::from(self.face.descender()) * scale)
            .cap_height(
                f32::from(self.face.capital_height().unwrap_or(self.face.ascender())) * scale,
            )
            .stem_v(80.0);
        if cff {
            descriptor_dict.font_file3(file);
        } else {
            descriptor_dict.font_file2(file);
        }
        descriptor_dict.finish();
        let compressed = compress(&subset);
        let mut stream = pdf.stream(file, &compressed);
        stream.filter(Filter::FlateDecode);
        if cff {
            stream.pair(Name(b"Subtype"), Name(b"OpenType"));
        } else {
            stream.pair(Name(b"Length1"), subset.len() as i32);
        }
        stream.finish();
        let mut map = UnicodeCmap::new(Name(b"Tenure-UTF16"), system);
        for (&glyph, &c) in &self.characters {
            map.pair(glyph, c);
        }
        pdf.cmap(cmap, &map.finish());
        Ok(())
    }
}

fn compress(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// Pages being filled from the top; a new page starts when the next element does not fit.
pub(crate) struct Pages<'f> {
    pages: Vec<Content>,
    y: f32,
    typeface: Typeface<'f>,
}

impl Default for Pages<'_> {
    fn default() -> Self {
        Pages {
            pages: Vec::new(),
            y: 0.0,
            typeface: Typeface::Helvetica,
        }
    }
}

/// The widest text a line holds.
pub(crate) const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

impl<'f> Pages<'f> {
    /// Pages set in `font` (embedded) when given, else in Helvetica.
    pub(crate) fn new(font: Option<&'f EmbeddableFont>) -> Pages<'f> {
        Pages {
            typeface: match font {
                Some(font) => Typeface::Embedded(Box::new(Embedding::new(font))),
                None => Typeface::Helvetica,
            },
            ..Pages::default()
        }
    }

    fn room(&mut self, height: f32) -> &mut Content {
        if self.pages.is_empty() || self.y - height < MARGIN {
            self.pages.push(Content::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
        self.pages.last_mut().expect("a page")
    }

    /// Width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        match &self.typeface {
            // Helvetica's characters average about half an em; a little more, to be safe.
            Typeface::Helvetica => text.chars().count() as f32 * size * 0.52,
            Typeface::Embedded(embedding) => embedding.width(text) * size,
        }
    }

    /// Sets `text` with its baseline at (`x`, `y`) on the current page.
    fn write(&mut self, text: &str, size: f32, x: f32, y: f32, font: Font) {
        let (name, encoded) = match &mut self.typeface {
            Typeface::Helvetica => (
                match font {
                    Font::Regular => Name(b"F1"),
                    Font::Bold => Name(b"F2"),
                },
                win_ansi(text),
            ),
            Typeface::Embedded(embedding) => (Name(b"F1"), embedding.encode(text)),
        };
        // An embedded font has one weight: bold is drawn by stroking the outlines too.
        let embolden = matches!(self.typeface, Typeface::Embedded(_)) && font == Font::Bold;
        let page = self.pages.last_mut().expect("a page");
        page.begin_text();
        page.set_font(name, size);
        if embolden {
            page.set_stroke_gray(0.0);
            page.set_text_rendering_mode(TextRenderingMode::FillStroke);
            page.set_line_width(size * 0.03);
        }
        page.next_line(x, y);
        page.show(Str(&encoded));
        if embolden {
            page.set_text_rendering_mode(TextRenderingMode::Fill);
        }
        page.end_text();
    }

    pub(crate) fn heading(&mut self, text: &str, size: f32) {
        self.y -= size * 0.8;
        self.line(text, size, 0.0, Font::Bold);
        self.y -= 4.0;
    }

    fn line(&mut self, text: &str, size: f32, x: f32, font: Font) {
        let height = size * 1.35;
        self.room(height);
        let y = self.y - size;
        self.write(text, size, MARGIN + x, y, font);
        self.y -= height;
    }

    /// A paragraph wrapped to the page's width.
    pub(crate) fn text(&mut self, text: &str, size: f32) {
        self.indented(text, size, 0.0, Font::Regular);
        self.y -= 3.0;
    }

    /// A paragraph wrapped to the page's width less `indent`.
    fn indented(&mut self, text: &str, size: f32, indent: f32, font: Font) {
        for line in self.wrap(text, size, TEXT_WIDTH - indent) {
            self.line(&line, size, indent, font);
        }
    }

    /// A bulleted item, wrapped under its own first line.
    pub(crate) fn bullet(&mut self, text: &str, size: f32) {
        let height = size * 1.35;
        self.room(height);
        let y = self.y - size;
        self.write("-", size, MARGIN + 4.0, y, Font::Regular);
        self.indented(text, size, 14.0, Font::Regular);
        self.y -= 1.5;
    }

    /// A boxed space to write in, under its prompt.
    pub(crate) fn space_to_complete(&mut self, prompt: &str, size: f32) {
        self.indented(prompt, size, 0.0, Font::Bold);
        let height = 60.0;
        self.room(height);
        let y = self.y - height + 6.0;
        let page = self.pages.last_mut().expect("a page");
        page.set_stroke_rgb(0.6, 0.62, 0.66);
        page.set_line_width(0.6);
        page.rect(MARGIN, y, TEXT_WIDTH, height - 10.0);
        page.stroke();
        self.y -= height;
    }

    /// `text` broken into lines no wider than `width`: at spaces, and anywhere between
    /// ideographs (never before closing punctuation).
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for (token, space_before) in tokens(text) {
            let joined = if space_before && !line.is_empty() {
                format!("{line} {token}")
            } else {
                format!("{line}{token}")
            };
            let fits = self.width(&joined, size) <= width;
            let holds_on = token.chars().next().is_some_and(never_starts_a_line);
            if line.is_empty() || fits || holds_on {
                line = joined;
            } else {
                lines.push(std::mem::take(&mut line));
                line = token;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Rows of cells at the columns' x offsets, each on one line; the first row is the header.
    pub(crate) fn table(&mut self, rows: &[Vec<String>], columns: &[f32]) {
        for (i, row) in rows.iter().enumerate() {
            let size = 9.5;
            let height = size * 1.6;
            self.room(height);
            let y = self.y - size;
            let font = if i == 0 { Font::Bold } else { Font::Regular };
            for (cell, x) in row.iter().zip(columns) {
                self.write(cell, size, MARGIN + x, y, font);
            }
            self.rule(y - 4.0);
            self.y -= height;
        }
        self.y -= 6.0;
    }

    /// Rows of cells wrapped within their columns (`widths` share the text width); the
    /// first row is the header, repeated on no later page.
    pub(crate) fn wrapped_table(&mut self, rows: &[Vec<String>], widths: &[f32]) {
        let size = 9.0;
        let leading = size * 1.3;
        let total: f32 = widths.iter().sum::<f32>().max(f32::EPSILON);
        let columns: Vec<f32> = widths.iter().map(|w| w / total * TEXT_WIDTH).collect();
        for (i, row) in rows.iter().enumerate() {
            let font = if i == 0 { Font::Bold } else { Font::Regular };
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(&columns)
                .map(|(cell, width)| self.wrap(cell, size, width - 6.0))
                .collect();
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = lines as f32 * leading + 6.0;
            self.room(height);
            let top = self.y;
            let mut x = MARGIN;
            for (cell, width) in cells.iter().zip(&columns) {
                for (n, line) in cell.iter().enumerate() {
                    let y = top - size - n as f32 * leading;
                    self.write(line, size, x, y, font);
                }
                x += width;
            }
            self.y -= height;
            self.rule(self.y + 3.0);
        }
        self.y -= 6.0;
    }

    fn rule(&mut self, y: f32) {
        let page = self.pages.last_mut().expect("a page");
        page.set_stroke_rgb(0.82, 0.84, 0.87);
        page.set_line_width(0.5);
        page.move_to(MARGIN, y);
        page.line_to(PAGE_WIDTH - MARGIN, y);
        page.stroke();
    }

    /// A labelled horizontal bar, `share` of the plot's width (0 to 1).
    pub(crate) fn bar(&mut self, label: &str, share: f64, shown: &str, tone: Tone) {
        let height = 16.0;
        self.room(height);
        let y = self.y - 12.0;
        self.write(label, 9.0, MARGIN, y + 2.0, Font::Regular);
        let page = self.pages.last_mut().expect("a page");
        let (r, g, b) = rgb(tone.fill());
        page.set_fill_rgb(r, g, b);
        let length = (share.clamp(0.0, 1.0) as f32 * 240.0).max(1.0);
        page.rect(MARGIN + 160.0, y, length, 10.0);
        page.fill_nonzero();
        page.set_fill_gray(0.0);
        self.write(shown, 9.0, MARGIN + 410.0, y + 2.0, Font::Regular);
        self.y -= height;
    }

    /// Leaves `points` of space.
    pub(crate) fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    pub(crate) fn finish(self) -> Result<Vec<u8>, PdfError> {
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let pages = self.pages.len().max(1);
        let page_ids: Vec<Ref> = (0..pages).map(|i| Ref::new(10 + 2 * i as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_ids.iter().copied())
            .count(pages as i32);
        match &self.typeface {
            Typeface::Helvetica => {
                pdf.type1_font(regular)
                    .base_font(Name(b"Helvetica"))
                    .encoding_predefined(Name(b"WinAnsiEncoding"));
                pdf.type1_font(bold)
                    .base_font(Name(b"Helvetica-Bold"))
                    .encoding_predefined(Name(b"WinAnsiEncoding"));
            }
            // Written after the pages, once every glyph is known (from the reference below).
            Typeface::Embedded(_) => {}
        }
        let embedded_font = Ref::new(10 + 2 * pages as i32);
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
            match &self.typeface {
                Typeface::Helvetica => {
                    fonts.pair(Name(b"F1"), regular);
                    fonts.pair(Name(b"F2"), bold);
                }
                Typeface::Embedded(_) => {
                    fonts.pair(Name(b"F1"), embedded_font);
                }
            }
            fonts.finish();
            resources.finish();
            page.finish();
            // Pages' operators stay plain (a few kilobytes, and searchable); the embedded
            // font, the bulk of a Chinese PDF, is deflated.
            pdf.stream(stream, &content.finish());
        }
        if let Typeface::Embedded(embedding) = &self.typeface {
            embedding.write(&mut pdf, embedded_font)?;
        }
        Ok(pdf.finish())
    }
}

/// Words (with whether a space came before them) and single ideographs, in order.
fn tokens(text: &str) -> Vec<(String, bool)> {
    let mut tokens: Vec<(String, bool)> = Vec::new();
    let mut word = String::new();
    let mut space_before = false;
    let flush = |word: &mut String, space_before: &mut bool, tokens: &mut Vec<(String, bool)>| {
        if !word.is_empty() {
            tokens.push((std::mem::take(word), *space_before));
            *space_before = false;
        }
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut space_before, &mut tokens);
            space_before = true;
        } else if breaks_anywhere(c) {
            flush(&mut word, &mut space_before, &mut tokens);
            tokens.push((c.to_string(), space_before));
            space_before = false;
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut space_before, &mut tokens);
    tokens
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

/// Whether Helvetica can set `text` (Windows-1252), or the first character it cannot.
pub(crate) fn first_outside_helvetica(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        !(matches!(
            c,
            ' '..='~' | '–' | '—' | '…' | '‘' | '’' | '“' | '”' | '•' | '−' | '↑' | '×'
        ) || ('\u{a0}'..='\u{ff}').contains(&c)
            || c.is_whitespace())
    })
}

/// The error for text Helvetica cannot set.
pub(crate) fn needs_font(character: char) -> PdfError {
    PdfError::NeedsFont {
        character,
        hint: FONT_HINT,
    }
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
            '×' => 0xd7,
            '−' => b'-',
            '↑' => b'^',
            c if ('\u{a0}'..='\u{ff}').contains(&c) => c as u32 as u8,
            c if c.is_whitespace() => b' ',
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
        let text = inflated_streams(&pdf);
        assert!(
            text.contains("(Attrition report - Acme <& Co>)"),
            "the title is set as text"
        );
        assert!(text.contains("(41.5)"), "the 6-month expectation");
        assert!(text.contains("(hidden)"), "a hidden department");
    }

    /// Every stream of `pdf`, inflated where deflated, and joined: the pages' operators.
    fn inflated_streams(pdf: &[u8]) -> String {
        let mut out = String::new();
        let mut rest = pdf;
        while let Some(start) = find(rest, b"stream\n") {
            let body = &rest[start + 7..];
            let end = find(body, b"\nendstream").expect("a stream ends");
            match miniz_oxide::inflate::decompress_to_vec_zlib(&body[..end]) {
                Ok(data) => out.push_str(&String::from_utf8_lossy(&data)),
                Err(_) => out.push_str(&String::from_utf8_lossy(&body[..end])),
            }
            rest = &body[end + b"\nendstream".len()..];
        }
        out
    }

    fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
        haystack.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn text_outside_the_font_becomes_a_question_mark() {
        assert_eq!(super::win_ansi("café – 离"), b"caf\xe9 \x96 ?".to_vec());
    }
}
