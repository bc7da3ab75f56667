-- The monthly hazard model a forecast was made with (a model artifact, as JSON), so a scoring
-- run at a newer month, or an HR event, brings the stored survival curves forward with the
-- same model instead of fitting again. Forecasts stored before have none and are refitted.
ALTER TABLE forecasts ADD COLUMN hazard_artifact TEXT;
