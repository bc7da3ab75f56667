-- A model's forecast, fitted once when the model is trained and read by the overview, the
-- report, a person's page and `tenure forecast`: the monthly hazard model's figures, and each
-- person's survival curve (their chance of still being here after 1, 2, … months).
CREATE TABLE forecasts (
    org_id          BIGINT NOT NULL,
    model_version   BIGINT NOT NULL,
    as_of           TEXT NOT NULL,
    summary         TEXT NOT NULL,
    PRIMARY KEY (org_id, model_version),
    FOREIGN KEY (org_id, model_version) REFERENCES models (org_id, version)
);

CREATE TABLE forecast_curves (
    org_id          BIGINT NOT NULL,
    model_version   BIGINT NOT NULL,
    person_key      TEXT NOT NULL,
    survival        TEXT NOT NULL,
    PRIMARY KEY (org_id, model_version, person_key),
    FOREIGN KEY (org_id, model_version) REFERENCES forecasts (org_id, model_version),
    FOREIGN KEY (org_id, person_key) REFERENCES people (org_id, person_key)
);
