//! Risk bands: how people are banded High, Medium or Low — fixed probabilities, or shares of
//! the people by rank — shown beside the shares the latest scores put in each band and the
//! base rate they imply, so an organization can see what its bands mean.

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routes::Body;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use tenure_domain::{Permission, RelativeBands, RiskBand, RiskThresholds};
use tenure_store::{BandTally, Store};
use utoipa::ToSchema;

/// The organization's bands and what they hold now.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskBandsView {
    /// Bands by rank (`top`: the share High, `next`: the share after it Medium), set afresh
    /// by every run over the whole organization; null when the thresholds are fixed.
    #[schema(value_type = Option<RelativeBandsDoc>)]
    pub relative: Option<RelativeBands>,
    /// The probability from which a person is High risk (with relative bands, as the last
    /// run set it).
    pub high: f64,
    /// The probability from which a person is Medium risk.
    pub medium: f64,
    /// The latest scores in each band; null before any scoring.
    pub scored: Option<BandShares>,
}

/// How the latest scores fall into the bands.
#[derive(Debug, Serialize, ToSchema)]
pub struct BandShares {
    pub people: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub not_enough_data: usize,
    /// The mean probability of leaving among those scored: the share expected to leave
    /// voluntarily within the horizon.
    pub base_rate: f64,
    pub horizon_months: Option<i32>,
}

/// Bands by rank: the top share of people High, the next share Medium (their sum under 1).
#[derive(ToSchema)]
#[schema(as = RelativeBands)]
#[allow(dead_code)] // The schema of the domain's `RelativeBands`.
struct RelativeBandsDoc {
    /// The share High: more than 0, at most 0.5.
    #[schema(exclusive_minimum = 0.0, maximum = 0.5)]
    top: f64,
    /// The share Medium after it: more than 0, at most 0.8.
    #[schema(exclusive_minimum = 0.0, maximum = 0.8)]
    next: f64,
}

/// A change of bands: `relative` shares, or fixed `high` and `medium` probabilities.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskBandsChange {
    #[schema(value_type = Option<RelativeBandsDoc>)]
    pub relative: Option<RelativeBands>,
    /// With `medium`: the probability from which a person is High risk (above `medium`).
    #[schema(exclusive_minimum = 0.0, exclusive_maximum = 1.0)]
    pub high: Option<f64>,
    #[schema(exclusive_minimum = 0.0, exclusive_maximum = 1.0)]
    pub medium: Option<f64>,
}

#[utoipa::path(get, path = "/api/v1/risk-bands", tag = "models",
    responses((status = 200, body = RiskBandsView), (status = 403, body = ErrorBody)))]
pub async fn get_bands(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RiskBandsView>, ApiError> {
    caller.require(Permission::ReadModels)?;
    Ok(Json(bands_view(&state.store, caller.org.id).await?))
}

#[utoipa::path(put, path = "/api/v1/risk-bands", tag = "models", request_body = RiskBandsChange,
    responses((status = 200, body = RiskBandsView, description = "The bands now in force; relative shares take effect at the next scoring run"),
              (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_bands(
    State(state): State<AppState>,
    caller: Caller,
    Body(change): Body<RiskBandsChange>,
) -> Result<Json<RiskBandsView>, ApiError> {
    caller.require(Permission::ConfigureAlerts)?;
    let org = caller.org.id;
    match change {
        RiskBandsChange {
            relative: Some(bands),
            high: None,
            medium: None,
        } => {
            // Each share's range is in the schema (400); their sum under 1 is not (422).
            let in_range = bands.top > 0.0 && bands.top <= 0.5 && bands.next > 0.0 && bands.next <= 0.8;
            let bands = RelativeBands::new(bands.top, bands.next).map_err(|e| {
                if in_range {
                    ApiError::unprocessable(e.to_string())
                } else {
                    ApiError::bad_request(e.to_string())
                }
            })?;
            state.store.set_relative_bands(org, bands).await?;
        }
        RiskBandsChange {
            relative: None,
            high: Some(high),
            medium: Some(medium),
        } => {
            // Each in (0, 1) is in the schema (400); medium under high is not (422).
            let in_range = |p: f64| p > 0.0 && p < 1.0;
            let thresholds = RiskThresholds::new(high, medium).map_err(|e| {
                if in_range(high) && in_range(medium) {
                    ApiError::unprocessable(e.to_string())
                } else {
                    ApiError::bad_request(e.to_string())
                }
            })?;
            state.store.set_risk_thresholds(org, thresholds).await?;
        }
        _ => {
            return Err(ApiError::unprocessable(
                "send either \"relative\": {\"top\": 0.05, \"next\": 0.15} or fixed \"high\" and \"medium\" probabilities, not both",
            ))
        }
    }
    Ok(Json(bands_view(&state.store, org).await?))
}

/// The organization's bands, and how its latest scores fall into them.
pub(crate) async fn bands_view(
    store: &Store,
    org: tenure_domain::OrgId,
) -> Result<RiskBandsView, ApiError> {
    let thresholds = store.risk_thresholds(org).await?;
    let scored = match store.latest_model_version(org).await? {
        Some(version) => {
            let horizon = store
                .model(org, Some(version))
                .await?
                .and_then(|m| m.horizon_months);
            shares(&store.band_tallies(org, version).await?, horizon)
        }
        None => None,
    };
    Ok(RiskBandsView {
        relative: store.relative_bands(org).await?,
        high: thresholds.high,
        medium: thresholds.medium,
        scored,
    })
}

/// Counts by band and the mean probability; `None` when nobody is scored.
fn shares(tallies: &[BandTally], horizon_months: Option<i32>) -> Option<BandShares> {
    let count = |band: RiskBand| {
        tallies
            .iter()
            .filter(|t| t.band == band)
            .map(|t| t.people)
            .sum::<usize>()
    };
    let people: usize = tallies.iter().map(|t| t.people).sum();
    let not_enough_data = count(RiskBand::NotEnoughData);
    let expected: f64 = tallies.iter().map(|t| t.expected_leavers).sum();
    (people > 0).then(|| BandShares {
        people,
        high: count(RiskBand::High),
        medium: count(RiskBand::Medium),
        low: count(RiskBand::Low),
        not_enough_data,
        base_rate: expected / (people - not_enough_data).max(1) as f64,
        horizon_months,
    })
}
