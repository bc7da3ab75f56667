-- Relative risk bands: the shares of the people scored that are High (top) and Medium (next).
-- When set, each run over the whole organization writes risk_high and risk_medium from its
-- scores, so re-scoring after an event bands by the same cut-offs. NULL: fixed thresholds.
ALTER TABLE organizations ADD COLUMN band_top_share REAL;
ALTER TABLE organizations ADD COLUMN band_next_share REAL;
