-- Warnings kept back at random (the policy's hold-out share) to measure the warnings' own
-- effect: stored and counted against the month's capacity, closed at once with the end of
-- their hold-out as closed_at (so the person is not warned again meanwhile), and never listed,
-- opened or delivered.
ALTER TABLE warnings ADD COLUMN held_out INTEGER NOT NULL DEFAULT 0;
