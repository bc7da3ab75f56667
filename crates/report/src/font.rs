//! Fonts a PDF embeds: finding one with Chinese glyphs (where the operator points, or where
//! Linux distributions install them), checking it, and measuring and encoding text in it.
//!
//! Helvetica, which every PDF reader carries, has no Chinese glyphs, and a PDF that names a
//! font without embedding it shows boxes wherever the reader's substitute lacks a glyph. So a
//! document in Chinese embeds the subset of a real CJK font it uses (see `pdf`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where Debian's (and most distributions') CJK font packages install their regular face,
/// most preferred first: WenQuanYi Micro Hei (`fonts-wqy-microhei`, TrueType outlines, 5 MB),
/// Noto Sans CJK (`fonts-noto-cjk`, CFF outlines), WenQuanYi Zen Hei, AR PL UMing.
pub const SYSTEM_CJK_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
];

/// Characters a font must have to set Chinese documents (common words of their headings).
const CHINESE_PROBE: &str = "员工告知书影响评估偏差审计数据";

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("cannot read the font file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a font file tenure can embed: expected TrueType or OpenType (.ttf, .otf or .ttc)")]
    NotAFont { path: PathBuf },
    #[error("the font {path} has no glyph for {missing:?}: Chinese documents need a font with Chinese glyphs, such as Debian's fonts-wqy-microhei or fonts-noto-cjk")]
    NoChinese { path: PathBuf, missing: char },
    #[error("no font with Chinese glyphs was found (looked at {looked}): install Debian's fonts-wqy-microhei or fonts-noto-cjk, or point TENURE_PDF_FONT at a .ttf, .otf or .ttc file that has them")]
    NoneFound { looked: String },
}

/// A font file in memory, checked to parse and to carry Chinese glyphs; cheap to clone.
#[derive(Clone)]
pub struct EmbeddableFont {
    data: Arc<Vec<u8>>,
    /// The face within a collection (.ttc): the first.
    index: u32,
    path: PathBuf,
}

impl fmt::Debug for EmbeddableFont {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddableFont")
            .field("path", &self.path)
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl EmbeddableFont {
    /// Reads and checks the font at `path`.
    pub fn load(path: &Path) -> Result<EmbeddableFont, FontError> {
        let data = std::fs::read(path).map_err(|source| FontError::Read {
            path: path.to_owned(),
            source,
        })?;
        let font = EmbeddableFont {
            data: Arc::new(data),
            index: 0,
            path: path.to_owned(),
        };
        let face =
            ttf_parser::Face::parse(&font.data, font.index).map_err(|_| FontError::NotAFont {
                path: path.to_owned(),
            })?;
        if let Some(missing) = CHINESE_PROBE
            .chars()
            .find(|&c| face.glyph_index(c).is_none())
        {
            return Err(FontError::NoChinese {
                path: path.to_owned(),
                missing,
            });
        }
        Ok(font)
    }

    /// The font at `configured` when one is given (its errors are the operator's to see),
    /// else the first of [`SYSTEM_CJK_FONTS`] installed here.
    pub fn find(configured: Option<&Path>) -> Result<EmbeddableFont, FontError> {
        if let Some(path) = configured {
            return EmbeddableFont::load(path);
        }
        SYSTEM_CJK_FONTS
            .iter()
            .map(Path::new)
            .filter(|path| path.exists())
            .find_map(|path| EmbeddableFont::load(path).ok())
            .ok_or_else(|| FontError::NoneFound {
                looked: SYSTEM_CJK_FONTS.join(", "),
            })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn data(&self) -> &[u8] {
        &self.data
    }

    pub(crate) fn index(&self) -> u32 {
        self.index
    }

    /// The parsed face: it parsed when loaded, so it parses again.
    pub(crate) fn face(&self) -> ttf_parser::Face<'_> {
        ttf_parser::Face::parse(&self.data, self.index).expect("the font parsed when loaded")
    }
}

/// Whether `c` is set as a unit of its own when lines wrap: CJK ideographs, kana, hangul and
/// their punctuation break anywhere, without spaces.
pub(crate) fn breaks_anywhere(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3100..=0x31FF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
        | 0xFF00..=0xFFEF)
}

/// Punctuation that must not begin a line (it stays at the end of the previous one).
pub(crate) fn never_starts_a_line(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '！'
            | '？'
            | '）'
            | '》'
            | '」'
            | '』'
            | '”'
            | '’'
            | ','
            | '.'
            | ';'
            | ':'
            | ')'
            | '%'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_a_font_is_refused_by_name() {
        let path = std::env::temp_dir().join("tenure-not-a-font.ttf");
        std::fs::write(&path, b"hello").unwrap();
        let error = EmbeddableFont::load(&path).unwrap_err().to_string();
        assert!(error.contains("tenure-not-a-font.ttf"), "{error}");
        assert!(error.contains("TrueType or OpenType"), "{error}");
        let missing = EmbeddableFont::find(Some(Path::new("/nowhere/font.ttc")))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("/nowhere/font.ttc"), "{missing}");
    }

    #[test]
    fn ideographs_break_anywhere_and_commas_never_start_a_line() {
        assert!(breaks_anywhere('员'));
        assert!(breaks_anywhere('，'));
        assert!(!breaks_anywhere('a'));
        assert!(never_starts_a_line('，'));
        assert!(!never_starts_a_line('员'));
    }
}
