-- The shape of an imported file: a hash of its column names (sorted), so the next upload of a
-- file with the same columns is offered the mapping that imported this one. NULL for imports
-- recorded before it was kept.
ALTER TABLE imports ADD COLUMN header_signature TEXT;
CREATE INDEX imports_by_header ON imports (org_id, header_signature);
