//! Documents an organization publishes or completes — the workers' notice, the
//! impact-assessment draft, the bias audit — as one structure of sections and blocks, written
//! out as self-contained HTML, as Markdown (to edit in any editor) and as PDF (with an
//! embedded font when the text needs one). What a document says is decided where it is
//! built (`notice`, `impact_assessment`, `bias_audit`); here only how it is set.

use crate::chart::escape;
use crate::font::EmbeddableFont;
use crate::pdf::{first_outside_helvetica, needs_font, Pages, PdfError};
use crate::Locale;
use std::fmt::Write;

/// A titled document in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub locale: Locale,
    pub title: String,
    /// Lines under the title: whose, when, from which records.
    pub facts: Vec<String>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Paragraph(String),
    Bullets(Vec<String>),
    /// A header row and rows; `widths` are the columns' relative widths.
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
        widths: Vec<f32>,
    },
    /// A part the organization's officer completes: what to write, and space to write it.
    ToComplete(String),
    /// Small print under a table or section.
    Note(String),
}

impl Section {
    pub fn new(heading: impl Into<String>) -> Section {
        Section {
            heading: heading.into(),
            blocks: Vec::new(),
        }
    }

    pub fn paragraph(mut self, text: impl Into<String>) -> Section {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    pub fn bullets(mut self, items: Vec<String>) -> Section {
        if !items.is_empty() {
            self.blocks.push(Block::Bullets(items));
        }
        self
    }

    pub fn table(mut self, header: Vec<String>, rows: Vec<Vec<String>>, widths: &[f32]) -> Section {
        self.blocks.push(Block::Table {
            header,
            rows,
            widths: widths.to_vec(),
        });
        self
    }

    pub fn to_complete(mut self, prompt: impl Into<String>) -> Section {
        self.blocks.push(Block::ToComplete(prompt.into()));
        self
    }

    pub fn note(mut self, text: impl Into<String>) -> Section {
        self.blocks.push(Block::Note(text.into()));
        self
    }
}

const STYLE: &str = "body{margin:0;font:15px/1.55 system-ui,-apple-system,\"Segoe UI\",\"Noto Sans\",\"Noto Sans CJK SC\",\"PingFang SC\",\"Microsoft YaHei\",sans-serif;color:#101828}\
main{max-width:48rem;margin:0 auto;padding:1.5rem}h1{font-size:1.6rem;margin:0 0 .3rem}\
h2{font-size:1.2rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #d0d5dd;padding-bottom:.2rem}\
.facts,.note{color:#475467}.note{font-size:.9rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}\
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #d0d5dd}\
.complete{border:1px dashed #98a2b3;border-radius:4px;min-height:4rem;padding:.5rem;margin:.25rem 0 1rem;background:#f9fafb}\
.prompt{font-weight:600;margin:.75rem 0 0}@media print{.complete{background:none}}";

impl Document {
    /// Every piece of text in the document, in order (what a PDF must be able to set).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        let blocks = self.sections.iter().flat_map(|s| {
            std::iter::once(s.heading.as_str()).chain(s.blocks.iter().flat_map(Block::texts))
        });
        std::iter::once(self.title.as_str())
            .chain(self.facts.iter().map(String::as_str))
            .chain(blocks)
    }

    /// A self-contained HTML page: no script, no external file; the parts to complete are
    /// editable in the browser and in word processors that open HTML.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><main>\n<h1>{}</h1>\n",
            self.locale.tag(),
            escape(&self.title),
            escape(&self.title)
        );
        for fact in &self.facts {
            let _ = writeln!(out, "<p class=\"facts\">{}</p>", escape(fact));
        }
        for section in &self.sections {
            let _ = writeln!(out, "<section>\n<h2>{}</h2>", escape(&section.heading));
            for block in &section.blocks {
                block.write_html(&mut out);
            }
            out.push_str("</section>\n");
        }
        out.push_str("</main></body></html>\n");
        out
    }

    /// Markdown, for an officer to complete in any editor.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        for fact in &self.facts {
            let _ = writeln!(out, "{fact}  ");
        }
        for section in &self.sections {
            let _ = write!(out, "\n## {}\n\n", section.heading);
            for block in &section.blocks {
                block.write_markdown(&mut out);
            }
        }
        out
    }

    /// A4 pages. Set in `font` (embedded) when given; without one, Helvetica, which refuses a
    /// document whose text it cannot set (Chinese, say) rather than print question marks.
    pub fn to_pdf(&self, font: Option<&EmbeddableFont>) -> Result<Vec<u8>, PdfError> {
        if font.is_none() {
            if let Some(c) = self.texts().find_map(first_outside_helvetica) {
                return Err(needs_font(c));
            }
        }
        let mut pages = Pages::new(font);
        pages.heading(&self.title, 18.0);
        for fact in &self.facts {
            pages.text(fact, 9.5);
        }
        for section in &self.sections {
            pages.gap(4.0);
            pages.heading(&section.heading, 13.0);
            for block in &section.blocks {
                block.write_pdf(&mut pages);
            }
        }
        pages.finish()
    }
}

impl Block {
    fn texts(&self) -> Box<dyn Iterator<Item = &str> + '_> {
        match self {
            Block::Paragraph(text) | Block::ToComplete(text) | Block::Note(text) => {
                Box::new(std::iter::once(text.as_str()))
            }
            Block::Bullets(items) => Box::new(items.iter().map(String::as_str)),
            Block::Table { header, rows, .. } => Box::new(
                header
                    .iter()
                    .chain(rows.iter().flatten())
                    .map(String::as_str),
            ),
        }
    }

    fn write_html(&self, out: &mut String) {
        match self {
            Block::Paragraph(text) => {
                let _ = writeln!(out, "<p>{}</p>", escape(text));
            }
            Block::Note(text) => {
                let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(text));
            }
            Block::Bullets(items) => {
                out.push_str("<ul>\n");
                for item in items {
                    let _ = writeln!(out, "<li>{}</li>", escape(item));
                }
                out.push_str("</ul>\n");
            }
            Block::Table { header, rows, .. } => {
                out.push_str("<table><thead><tr>");
                for cell in header {
                    let _ = write!(out, "<th scope=\"col\">{}</th>", escape(cell));
                }
                out.push_str("</tr></thead><tbody>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for cell in row {
                        let _ = write!(out, "<td>{}</td>", escape(cell));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody></table>\n");
            }
            Block::ToComplete(prompt) => {
                let _ = writeln!(
                    out,
                    "<p class=\"prompt\">{}</p><div class=\"complete\" contenteditable=\"true\" aria-label=\"{}\"></div>",
                    escape(prompt),
                    escape(prompt)
                );
            }
        }
    }

    fn write_markdown(&self, out: &mut String) {
        match self {
            Block::Paragraph(text) => {
                let _ = write!(out, "{text}\n\n");
            }
            Block::Note(text) => {
                let _ = write!(out, "_{text}_\n\n");
            }
            Block::Bullets(items) => {
                for item in items {
                    let _ = writeln!(out, "- {item}");
                }
                out.push('\n');
            }
            Block::Table { header, rows, .. } => {
                let cells = |row: &[String]| {
                    row.iter()
                        .map(|c| c.replace('|', "\\|"))
                        .collect::<Vec<_>>()
                        .join(" | ")
                };
                let _ = writeln!(out, "| {} |", cells(header));
                let _ = writeln!(out, "|{}", " --- |".repeat(header.len()));
                for row in rows {
                    let _ = writeln!(out, "| {} |", cells(row));
                }
                out.push('\n');
            }
            Block::ToComplete(prompt) => {
                let _ = write!(out, "**{prompt}**\n\n> _…_\n\n");
            }
        }
    }

    fn write_pdf(&self, pages: &mut Pages<'_>) {
        match self {
            Block::Paragraph(text) => pages.text(text, 10.0),
            Block::Note(text) => pages.text(text, 8.5),
            Block::Bullets(items) => {
                for item in items {
                    pages.bullet(item, 10.0);
                }
                pages.gap(3.0);
            }
            Block::Table {
                header,
                rows,
                widths,
            } => {
                let mut all = Vec::with_capacity(rows.len() + 1);
                all.push(header.clone());
                all.extend(rows.iter().cloned());
                pages.wrapped_table(&all, widths);
            }
            Block::ToComplete(prompt) => pages.space_to_complete(prompt, 10.0),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn example(locale: Locale, title: &str) -> Document {
        Document {
            locale,
            title: title.into(),
            facts: vec!["Acme <& Co> · 2026-12-07".into()],
            sections: vec![Section::new("What is processed")
                .paragraph("Pay against band, promotions and survey answers.")
                .bullets(vec!["one".into(), "two | three".into()])
                .table(
                    vec!["Risk".into(), "Measure".into()],
                    vec![vec![
                        "Re-identification".into(),
                        "Groups under 5 are hidden".into(),
                    ]],
                    &[1.0, 2.0],
                )
                .to_complete("Consultation of the works council")
                .note("Generated from the organization's records.")],
        }
    }

    #[test]
    fn html_is_self_contained_escaped_and_editable_where_the_officer_writes() {
        let html = example(Locale::En, "Notice").to_html();
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("Acme &lt;&amp; Co&gt;"));
        assert!(html.contains("contenteditable=\"true\""));
        assert!(!html.contains("<script"), "no script");
        assert!(!html.contains("src="), "no external file");
        assert!(html.contains("<th scope=\"col\">Measure</th>"));
    }

    #[test]
    fn markdown_keeps_tables_whole() {
        let markdown = example(Locale::En, "Notice").to_markdown();
        assert!(markdown.starts_with("# Notice\n"));
        assert!(markdown.contains("| Risk | Measure |\n| --- | --- |\n"));
        assert!(markdown.contains("- two | three"));
        assert!(markdown.contains("**Consultation of the works council**"));
    }

    #[test]
    fn without_a_font_chinese_is_refused_not_printed_as_question_marks() {
        let error = example(Locale::ZhCn, "员工告知书")
            .to_pdf(None)
            .unwrap_err()
            .to_string();
        assert!(error.contains("'员'"), "{error}");
        assert!(error.contains("fonts-wqy-microhei"), "{error}");
        let english = example(Locale::En, "Notice").to_pdf(None).unwrap();
        assert!(english.starts_with(b"%PDF-"));
    }

    /// The PDF tools the rendering checks run (poppler-utils, installed by
    /// scripts/prerequisites.sh): missing, the test fails rather than passes unseen.
    fn poppler(tool: &str, args: &[&str]) -> Vec<u8> {
        let out = std::process::Command::new(tool)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed: {e}"));
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// A grey-scale PGM image: width, height and one byte a pixel.
    fn read_pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
        }
        assert_eq!(fields[0], "P5");
        let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        (w, h, bytes[at + 1..].to_vec())
    }

    /// Issue 28: a Chinese PDF embeds the subset of a font with Chinese glyphs, and rendered
    /// to an image its title shows each character as its own glyph — inked, and each unlike
    /// the others, where missing glyphs would all be the same empty box.
    #[test]
    fn a_chinese_pdf_embeds_its_font_and_renders_every_character() {
        let font = EmbeddableFont::find(None).expect(
            "a font with Chinese glyphs (scripts/prerequisites.sh installs fonts-wqy-microhei)",
        );
        let title = "员工告知书";
        let pdf = example(Locale::ZhCn, title).to_pdf(Some(&font)).unwrap();
        let dir = std::env::temp_dir().join(format!("tenure-pdf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("notice.pdf");
        std::fs::write(&file, &pdf).unwrap();
        let file = file.to_str().unwrap();

        let fonts = String::from_utf8(poppler("pdffonts", &[file])).unwrap();
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert_eq!(rows.len(), 1, "one font, embedded:\n{fonts}");
        assert!(
            rows[0].contains("CID TrueType") || rows[0].contains("CID Type 0C"),
            "{fonts}"
        );
        let columns: Vec<&str> = rows[0].split_whitespace().collect();
        // name, type words…, encoding, emb, sub, uni, object, id
        let flags = &columns[columns.len() - 5..columns.len() - 2];
        assert_eq!(
            flags,
            ["yes", "yes", "yes"],
            "embedded, subset, with a text map: {fonts}"
        );

        let text = String::from_utf8(poppler("pdftotext", &[file, "-"])).unwrap();
        assert!(text.contains(title), "the text layer reads back: {text}");
        assert!(text.contains("Acme <& Co>"), "{text}");

        let resolution = 144.0;
        let image = dir.join("page");
        poppler(
            "pdftoppm",
            &[
                "-gray",
                "-r",
                "144",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                file,
                image.to_str().unwrap(),
            ],
        );
        let (width, height, pixels) = read_pgm(&std::fs::read(dir.join("page.pgm")).unwrap());
        assert_eq!((width, height), (1190, 1684), "A4 at 144 dpi");
        // The title: 18 pt, its baseline 18 pt + 0.8 × 18 pt below the top margin.
        let scale = resolution / 72.0;
        let size = 18.0;
        let baseline = crate::pdf::PAGE_HEIGHT - crate::pdf::MARGIN - size * 0.8 - size;
        let face = font.face();
        let mut x = crate::pdf::MARGIN;
        let mut cells = Vec::new();
        for c in title.chars() {
            let glyph = face.glyph_index(c).expect("the font has the character");
            let advance = f32::from(face.glyph_hor_advance(glyph).unwrap())
                / f32::from(face.units_per_em())
                * size;
            let (left, right) = (
                (x * scale) as usize + 1,
                ((x + advance) * scale) as usize - 1,
            );
            let top = ((crate::pdf::PAGE_HEIGHT - baseline - size) * scale) as usize;
            let bottom = ((crate::pdf::PAGE_HEIGHT - baseline + size * 0.2) * scale) as usize;
            let cell: Vec<bool> = (top..bottom)
                .flat_map(|row| (left..right).map(move |col| (row, col)))
                .map(|(row, col)| pixels[row * width + col] < 128)
                .collect();
            let ink = cell.iter().filter(|&&dark| dark).count();
            assert!(ink > 40, "{c} is drawn ({ink} dark pixels)");
            cells.push(cell);
            x += advance;
        }
        for i in 0..cells.len() {
            for j in i + 1..cells.len() {
                assert_ne!(
                    cells[i], cells[j],
                    "characters {i} and {j} are drawn alike (a missing-glyph box?)"
                );
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
