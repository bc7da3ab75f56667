//! The import wizard's server side: an uploaded file read and previewed before anything is
//! stored — the mapping to use (the one that imported a file with the same columns before,
//! the one detected, or the one the person is shaping in the form), each column's kind and
//! examples, the first rows as parsed, and a dry run's errors in the words an import would
//! use. Nothing of the file is kept: the import itself is a second, ordinary upload.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;
use axum::extract::{Multipart, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf, MAIN_SEPARATOR};
use tenure_data::{ColumnUse, ImportPlan, Mapping, ReadOptions, Table};
use tenure_domain::{ColumnKind, ColumnLabel, Permission};
use utoipa::ToSchema;

/// How many problems a dry run reports, as an import would.
const DRY_RUN_ERRORS: usize = 20;
/// Rows shown as parsed.
const SAMPLE_ROWS: usize = 5;

/// What the wizard shows for an uploaded file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportPreview {
    pub file_name: String,
    pub rows: usize,
    /// How the file was read: `UTF-8`, `GBK`, `windows-1252`, `UTF-16LE`…, `workbook` or
    /// `parquet`.
    pub encoding: String,
    /// Where the mapping came from: `stored` (it imported a file with these columns before),
    /// `proposed` (detected from the file) or `edited` (sent with the request).
    pub mapping_source: String,
    /// `panel`, `cross-section` or `time-to-event`; absent while the mapping names no outcome.
    pub shape: Option<String>,
    /// The mapping as the TOML an import takes ("edit as text").
    pub mapping_toml: String,
    /// The mapping as the wizard's form shows it.
    pub choices: WizardChoices,
    pub columns: Vec<PreviewColumn>,
    /// The first rows as read, with their lines in the file.
    pub sample: Vec<SampleRow>,
    /// The dry run's problems, each naming the line and column; empty when the file would
    /// import as it is.
    pub errors: Vec<String>,
    /// People the file holds, when the dry run passed.
    pub people: Option<usize>,
}

/// One column as read.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewColumn {
    pub name: String,
    /// `number`, `category` or `date`, as detected.
    pub kind: String,
    pub date_format: Option<String>,
    pub examples: Vec<String>,
    pub missing: usize,
    pub distinct: usize,
    /// Why detection proposes what it does ("person id", "leaks the outcome: …").
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SampleRow {
    pub line: u64,
    pub cells: Vec<String>,
}

/// The wizard's form: the columns that carry identity, dates and the outcome, and what every
/// other column is. Empty texts mean "none".
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct WizardChoices {
    pub id: Option<String>,
    pub as_of: Option<String>,
    pub as_of_format: Option<String>,
    pub exit_date: Option<String>,
    pub exit_date_format: Option<String>,
    pub exit_kind: Option<String>,
    /// Exit-kind values that count as voluntary.
    pub voluntary: Vec<String>,
    pub target: Option<String>,
    pub positive: Option<String>,
    pub duration: Option<String>,
    pub event: Option<String>,
    pub event_value: Option<String>,
    pub columns: Vec<ColumnChoice>,
}

/// What one column other than the identity, dates and outcome is.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ColumnChoice {
    pub name: String,
    pub usage: ColumnUsage,
    /// For inputs: how cells are read.
    #[schema(value_type = String)]
    pub kind: ColumnKind,
    /// For date inputs: the chrono format, e.g. `%d.%m.%Y`.
    pub date_format: Option<String>,
    /// How explanations and pages call the column, in English and in Chinese.
    #[serde(default)]
    pub label_en: Option<String>,
    #[serde(default)]
    pub label_zh: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnUsage {
    /// A model input.
    Input,
    /// Kept apart for fairness audits only.
    Protected,
    /// Not stored.
    Ignore,
    /// The id, a date or the outcome (set by the fields above).
    Core,
}

/// The multipart form of a preview: these parts and no others.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PreviewForm {
    /// The file: CSV (any common separator and encoding), a workbook or a Parquet file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The mapping so far (TOML); without it, the stored or detected one.
    mapping: Option<String>,
    /// The wizard's form (JSON of `WizardChoices`), applied to `mapping`.
    choices: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/imports/preview", tag = "data",
    request_body(content = PreviewForm, content_type = "multipart/form-data"),
    responses((status = 200, description = "The file as it would import", body = ImportPreview),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<ImportPreview>, ApiError> {
    caller.require(Permission::UploadData)?;
    let form = UploadedForm::read(form, &["file", "mapping", "choices"]).await?;
    let path = form.file()?;
    let given = form
        .fields
        .get("mapping")
        .filter(|t| !t.trim().is_empty())
        .map(|text| Mapping::from_toml_str(text, Path::new("mapping")))
        .transpose()
        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    let choices: Option<WizardChoices> = form
        .fields
        .get("choices")
        .filter(|t| !t.trim().is_empty())
        .map(|text| serde_json::from_str(text))
        .transpose()
        .map_err(|e| ApiError::unprocessable(format!("`choices`: {e}")))?;
    let options = ReadOptions::for_mapping(&given.clone().unwrap_or_default(), DRY_RUN_ERRORS);
    // The form is well-formed; a file that is no table tenure reads is a 422.
    let table = tenure_data::read_table(path, &options)
        .map_err(|e| ApiError::unprocessable(form.shown(&e.to_string())))?;
    let inspection = tenure_data::inspect(&table);
    let (mapping, source) = match (given, choices) {
        (Some(base), Some(choices)) => (apply(&base, &choices), "edited"),
        (None, Some(choices)) => (apply(&inspection.proposed, &choices), "edited"),
        (Some(given), None) => (given, "edited"),
        (None, None) => {
            let stored = state
                .store
                .mapping_for_header(caller.org.id, &table.header_signature())
                .await?
                .and_then(|text| Mapping::from_toml_str(&text, Path::new("stored")).ok());
            match stored {
                Some(stored) => (stored, "stored"),
                None => (inspection.proposed.clone(), "proposed"),
            }
        }
    };
    // Checked once: the form shows each column's use under it, and the dry run parses with it.
    let plan = ImportPlan::new(&mapping, &table);
    let uses: HashMap<String, ColumnUse> = plan
        .as_ref()
        .map(|plan| {
            plan.columns
                .iter()
                .map(|c| (c.name.clone(), c.usage.clone()))
                .collect()
        })
        .unwrap_or_default();
    let (errors, people) = dry_run(&table, plan);
    Ok(Json(ImportPreview {
        file_name: form.file_name.clone(),
        rows: table.rows.len(),
        encoding: table.encoding.to_owned(),
        mapping_source: source.to_owned(),
        shape: mapping.resolved_shape().map(|s| s.key().to_owned()),
        mapping_toml: mapping.to_toml(),
        choices: choices_of(&mapping, &uses, &inspection),
        columns: inspection.columns.iter().map(column_view).collect(),
        sample: table
            .rows
            .iter()
            .take(SAMPLE_ROWS)
            .map(|r| SampleRow {
                line: r.line,
                cells: r.cells.clone(),
            })
            .collect(),
        errors: errors.iter().map(|e| form.shown(e)).collect(),
        people,
    }))
}

/// The import as it would go, without writing: its problems, or the people it holds.
fn dry_run(
    table: &Table,
    plan: Result<ImportPlan, tenure_data::DataError>,
) -> (Vec<String>, Option<usize>) {
    let parsed = plan.and_then(|plan| tenure_data::parse_snapshots(table, plan, DRY_RUN_ERRORS));
    match parsed {
        Ok(parsed) => {
            let people: BTreeSet<&str> = parsed
                .rows
                .iter()
                .map(|r| r.snapshot.person.as_str())
                .collect();
            (Vec::new(), Some(people.len()))
        }
        Err(error) => (error.to_string().lines().map(str::to_owned).collect(), None),
    }
}

/// The form's choices applied to a mapping: the identity, dates and outcome as chosen, each
/// other column as an input (with its kind), protected or ignored. How to read the file and
/// the roles (and a roster's `observed_until`) carry over, except roles whose column is no
/// longer an input.
fn apply(base: &Mapping, choices: &WizardChoices) -> Mapping {
    let named = |field: &Option<String>| {
        field
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut mapping = Mapping {
        encoding: base.encoding.clone(),
        sheet: base.sheet.clone(),
        observed_until: base.observed_until.clone(),
        id: named(&choices.id),
        as_of: named(&choices.as_of),
        as_of_format: named(&choices.as_of_format),
        exit_date: named(&choices.exit_date),
        exit_date_format: named(&choices.exit_date_format),
        exit_kind: named(&choices.exit_kind),
        voluntary: choices
            .voluntary
            .iter()
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect(),
        target: named(&choices.target),
        positive: named(&choices.positive),
        duration: named(&choices.duration),
        event: named(&choices.event),
        event_value: named(&choices.event_value),
        roles: base.roles.clone(),
        ..Mapping::default()
    };
    let core: BTreeSet<String> = [
        &mapping.id,
        &mapping.as_of,
        &mapping.exit_date,
        &mapping.exit_kind,
        &mapping.target,
        &mapping.duration,
        &mapping.event,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    for column in choices.columns.iter().filter(|c| !core.contains(&c.name)) {
        match column.usage {
            ColumnUsage::Ignore | ColumnUsage::Core => mapping.ignore.push(column.name.clone()),
            ColumnUsage::Protected => mapping.protected.push(column.name.clone()),
            ColumnUsage::Input => {
                mapping.columns.insert(column.name.clone(), column.kind);
                if let (ColumnKind::Date, Some(format)) = (column.kind, named(&column.date_format))
                {
                    mapping.date_formats.insert(column.name.clone(), format);
                }
            }
        }
    }
    let inputs: BTreeSet<String> = mapping.columns.keys().cloned().collect();
    mapping.roles.retain(|name| inputs.contains(name));
    for column in &choices.columns {
        let label = ColumnLabel {
            en: named(&column.label_en),
            zh: named(&column.label_zh),
        };
        if label.en.is_some() || label.zh.is_some() {
            mapping.roles.labels.insert(column.name.clone(), label);
        } else {
            mapping.roles.labels.remove(&column.name);
        }
    }
    mapping
}

/// A mapping as the form shows it: every column of the file with its use (by the checked
/// plan's `uses`, when the mapping checked) and kind.
fn choices_of(
    mapping: &Mapping,
    uses: &HashMap<String, ColumnUse>,
    inspection: &tenure_data::Inspection,
) -> WizardChoices {
    let columns = inspection
        .columns
        .iter()
        .map(|profile| {
            let name = &profile.name;
            let usage = if mapping.ignore.contains(name) {
                ColumnUsage::Ignore
            } else if mapping.protected.contains(name) {
                ColumnUsage::Protected
            } else if uses.get(name).is_some_and(|u| {
                !matches!(
                    u,
                    ColumnUse::Input | ColumnUse::Protected | ColumnUse::Ignored
                )
            }) {
                ColumnUsage::Core
            } else {
                ColumnUsage::Input
            };
            ColumnChoice {
                name: name.clone(),
                usage,
                kind: mapping.columns.get(name).copied().unwrap_or(profile.kind),
                date_format: mapping
                    .date_formats
                    .get(name)
                    .cloned()
                    .or_else(|| profile.date_format.clone()),
                label_en: mapping.roles.labels.get(name).and_then(|l| l.en.clone()),
                label_zh: mapping.roles.labels.get(name).and_then(|l| l.zh.clone()),
            }
        })
        .collect();
    WizardChoices {
        id: mapping.id.clone(),
        as_of: mapping.as_of.clone(),
        as_of_format: mapping.as_of_format.clone(),
        exit_date: mapping.exit_date.clone(),
        exit_date_format: mapping.exit_date_format.clone(),
        exit_kind: mapping.exit_kind.clone(),
        voluntary: mapping.voluntary.clone(),
        target: mapping.target.clone(),
        positive: mapping.positive.clone(),
        duration: mapping.duration.clone(),
        event: mapping.event.clone(),
        event_value: mapping.event_value.clone(),
        columns,
    }
}

fn column_view(profile: &tenure_data::ColumnProfile) -> PreviewColumn {
    PreviewColumn {
        name: profile.name.clone(),
        kind: profile.kind.to_string(),
        date_format: profile.date_format.clone(),
        examples: profile.examples.clone(),
        missing: profile.missing,
        distinct: profile.distinct,
        notes: profile.notes.clone(),
    }
}

/// An upload's multipart form: the file saved in a folder of its own, the other parts as text.
pub(crate) struct UploadedForm {
    pub folder: tempfile::TempDir,
    pub path: Option<PathBuf>,
    pub file_name: String,
    pub fields: HashMap<String, String>,
}

impl UploadedForm {
    /// The form's parts; a body that is no multipart form is a 400 in tenure's error body
    /// (axum would answer in plain text).
    /// The form's parts, which must be among `parts` (a part the document does not name is
    /// refused, not ignored).
    pub async fn read(
        form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
        parts: &[&str],
    ) -> Result<Self, ApiError> {
        let mut form = form.map_err(|e| {
            ApiError::bad_request(format!(
                "expected a multipart/form-data body with a `mapping` part and a `file` part: {}",
                e.body_text()
            ))
        })?;
        let folder = tempfile::tempdir().map_err(|_| ApiError::internal())?;
        let mut read = UploadedForm {
            folder,
            path: None,
            file_name: String::new(),
            fields: HashMap::new(),
        };
        let bad =
            |e: axum::extract::multipart::MultipartError| ApiError::bad_request(e.body_text());
        while let Some(mut field) = form.next_field().await.map_err(bad)? {
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            if !parts.contains(&name.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "the form has a part {name:?}: it takes {}",
                    parts.join(", ")
                )));
            }
            if name != "file" {
                read.fields.insert(name, field.text().await.map_err(bad)?);
                continue;
            }
            read.file_name = safe_file_name(field.file_name());
            let target = read.folder.path().join(&read.file_name);
            let mut file = std::fs::File::create(&target).map_err(|_| ApiError::internal())?;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                file.write_all(&chunk).map_err(|_| ApiError::internal())?;
            }
            file.sync_all().map_err(|_| ApiError::internal())?;
            read.path = Some(target);
        }
        Ok(read)
    }

    pub fn file(&self) -> Result<&Path, ApiError> {
        self.path
            .as_deref()
            .ok_or_else(|| ApiError::bad_request("the form needs a `file` part with the file"))
    }

    /// A message as the person should see it: naming the file they sent, not the server's
    /// temporary copy.
    fn shown(&self, message: &str) -> String {
        message.replace(
            &format!("{}{MAIN_SEPARATOR}", self.folder.path().display()),
            "",
        )
    }
}

/// The uploaded name without any folders, so errors name the file the user sent.
fn safe_file_name(name: Option<&str>) -> String {
    let base = name.unwrap_or("").rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' '))
        .collect();
    let cleaned = cleaned.trim_start_matches('.').trim().to_owned();
    if cleaned.is_empty() {
        "upload.csv".into()
    } else {
        cleaned
    }
}
