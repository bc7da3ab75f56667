-- What the workers' notice and the impact-assessment draft need from the governance record:
-- when the impact assessment was completed, and whom people ask, object to or complain to.
ALTER TABLE governance ADD COLUMN impact_assessment_on TEXT;
ALTER TABLE governance ADD COLUMN contact TEXT;
