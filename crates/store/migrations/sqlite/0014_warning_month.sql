-- The month of the scores that raised a warning (its first day, YYYY-MM-DD): HR's capacity is
-- counted per scored month, so a year of snapshots imported in a day is judged month by
-- month. NULL for warnings raised before it was kept (they count against no month).
ALTER TABLE warnings ADD COLUMN for_month TEXT;
CREATE INDEX warnings_by_month ON warnings (org_id, for_month);
