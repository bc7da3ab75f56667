//! Problems found in an input file, each pinned to the place a person can go and fix it.

use std::fmt;
use std::path::PathBuf;

/// Where in a file a problem is: always the line, and the column when one is to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based line in the file, counting the header as line 1.
    pub line: u64,
    /// 1-based column position and the column's name.
    pub column: Option<(usize, String)>,
}

/// One thing wrong with the input: where, what was found, what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub location: Location,
    /// The offending cell as found (shortened when long), if a cell is to blame.
    pub found: Option<String>,
    pub expected: String,
}

/// Values longer than this are cut in messages: a 10 MB cell must not become a 10 MB error.
const SHOWN_VALUE_CHARS: usize = 60;

impl Problem {
    pub fn new(location: Location, found: Option<&str>, expected: impl Into<String>) -> Self {
        Problem {
            location,
            found: found.map(shorten),
            expected: expected.into(),
        }
    }
}

fn shorten(value: &str) -> String {
    if value.chars().count() <= SHOWN_VALUE_CHARS {
        return value.to_owned();
    }
    let head: String = value.chars().take(SHOWN_VALUE_CHARS).collect();
    format!("{head}… ({} bytes)", value.len())
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)?;
        if let Some((position, name)) = &self.column {
            write!(f, ":{position} (column \"{name}\")")?;
        }
        Ok(())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: expected {}", self.location, self.expected)?;
        if let Some(found) = &self.found {
            write!(f, ", found {found:?}")?;
        }
        Ok(())
    }
}

/// Why a file could not be read or imported. Every variant except `Io` is the input's fault,
/// and the CLI answers those with exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", render_problems(.problems, *.truncated))]
    Invalid {
        problems: Vec<Problem>,
        truncated: bool,
    },
    #[error("mapping {path}: {message}")]
    Mapping { path: PathBuf, message: String },
}

impl DataError {
    pub fn invalid(problems: Vec<Problem>, truncated: bool) -> Self {
        DataError::Invalid {
            problems,
            truncated,
        }
    }

    pub fn one(problem: Problem) -> Self {
        DataError::Invalid {
            problems: vec![problem],
            truncated: false,
        }
    }

    /// One problem with the file as a whole, at `line` (no column to blame): a workbook that
    /// does not open, an encoding name that names none.
    pub fn at_line(
        file: &std::path::Path,
        line: u64,
        found: Option<&str>,
        expected: impl Into<String>,
    ) -> Self {
        let location = Location {
            file: file.to_owned(),
            line,
            column: None,
        };
        DataError::one(Problem::new(location, found, expected))
    }

    /// True when the input, not the machine, is at fault.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, DataError::Io { .. })
    }
}

fn render_problems(problems: &[Problem], truncated: bool) -> String {
    let mut text: Vec<String> = problems.iter().map(Problem::to_string).collect();
    if truncated {
        text.push(format!(
            "(stopped after {} problems; raise --max-errors to see more)",
            problems.len()
        ));
    }
    text.join("\n")
}
