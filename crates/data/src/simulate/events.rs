//! The simulated organization's last months told as HR events, the way an HRIS would push
//! them: pay changes, promotions, transfers, new managers, new ratings and exits, each dated.
//! The demo imports the months before and streams these, so monitoring can be watched at
//! work on changes nobody scored yet.

use super::{month_date, PanelRow, Simulation};
use std::collections::BTreeMap;
use tenure_domain::{EventKind, EventValue, HrEvent};

/// A raise or cut smaller than this share of pay is rounding, not an event.
const PAY_CHANGE: f64 = 0.005;

impl Simulation {
    /// The simulation as it stood before month `months`: what an export then would hold.
    pub fn until(&self, months: u32) -> Simulation {
        Simulation {
            config: super::SimulationConfig {
                months: months.min(self.config.months),
                ..self.config
            },
            people: self.people.clone(),
            rows: self
                .rows
                .iter()
                .filter(|r| r.month < months)
                .cloned()
                .collect(),
        }
    }

    /// Everything that changed from month `from` on for the people already there before it,
    /// as events in date order. (A hire is a new row in the next import, not an event.)
    pub fn events_from(&self, from: u32) -> Vec<HrEvent> {
        let mut by_person: BTreeMap<usize, Vec<&PanelRow>> = BTreeMap::new();
        for row in &self.rows {
            by_person.entry(row.person).or_default().push(row);
        }
        let mut events = Vec::new();
        for rows in by_person.values() {
            if rows[0].month >= from {
                continue;
            }
            for pair in rows.windows(2) {
                let (before, now) = (pair[0], pair[1]);
                if now.month >= from && before.month + 1 == now.month {
                    events.extend(self.changes(before, now));
                }
            }
        }
        events.sort_by(|a, b| (a.effective, &a.person).cmp(&(b.effective, &b.person)));
        events
    }

    /// The events that turn one month's row into the next.
    fn changes(&self, before: &PanelRow, now: &PanelRow) -> Vec<HrEvent> {
        let person = &self.people[now.person].key;
        let on = month_date(now.month as i32);
        let event = |kind, values: Vec<(&str, EventValue)>| HrEvent {
            person: person.clone(),
            kind,
            effective: Some(on),
            values: values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            exit_kind: None,
            voluntary: None,
        };
        let pay = EventValue::Number(now.pay.round());
        let mut events = Vec::new();
        if now.level > before.level {
            events.push(event(
                EventKind::Promotion,
                vec![
                    ("job_level", EventValue::Number(now.level as f64)),
                    ("annual_pay", pay),
                ],
            ));
        } else if (now.pay - before.pay).abs() > PAY_CHANGE * before.pay {
            events.push(event(EventKind::PayChange, vec![("annual_pay", pay)]));
        }
        let manager = |row: &PanelRow| {
            row.manager
                .map(|m| self.people[m].key.clone())
                .unwrap_or_default()
        };
        if now.team != before.team {
            let mut values = vec![("team", EventValue::Text(now.team.clone()))];
            if !manager(now).is_empty() {
                values.push(("manager_id", EventValue::Text(manager(now))));
            }
            events.push(event(EventKind::Transfer, values));
        } else if manager(now) != manager(before) && !manager(now).is_empty() {
            events.push(event(
                EventKind::ManagerChange,
                vec![("manager_id", EventValue::Text(manager(now)))],
            ));
        }
        if let (Some(rating), true) = (now.rating, now.rating != before.rating) {
            events.push(event(
                EventKind::Rating,
                vec![("last_rating", EventValue::Number(rating))],
            ));
        }
        if let Some((date, kind)) = now.exit {
            events.push(HrEvent {
                effective: Some(date),
                exit_kind: Some(kind.code().to_owned()),
                voluntary: Some(kind == super::ExitKind::Resignation),
                ..event(EventKind::Exit, vec![])
            });
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{simulate, SimulationConfig};

    fn config() -> SimulationConfig {
        SimulationConfig {
            people: 300,
            months: 18,
            seed: 7,
        }
    }

    #[test]
    fn the_last_months_become_dated_events_of_every_kind() {
        let simulation = simulate(config());
        // April (month 15) brings the yearly raises.
        let events = simulation.events_from(15);
        assert!(!events.is_empty());
        assert!(events.windows(2).all(|w| w[0].effective <= w[1].effective));
        let kinds: std::collections::BTreeSet<&str> = events.iter().map(|e| e.kind.key()).collect();
        for kind in ["pay_change", "exit"] {
            assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
        }
        let first = month_date(15);
        assert!(events.iter().all(|e| e.effective.unwrap() >= first));
        // Every exit in those months of someone there before is an event.
        let there_before: std::collections::HashSet<usize> = simulation
            .rows
            .iter()
            .filter(|r| r.month < 15)
            .map(|r| r.person)
            .collect();
        let exits = simulation
            .rows
            .iter()
            .filter(|r| r.month >= 15 && r.exit.is_some() && there_before.contains(&r.person))
            .count();
        assert_eq!(
            events.iter().filter(|e| e.kind == EventKind::Exit).count(),
            exits
        );
    }

    #[test]
    fn the_cut_simulation_holds_only_the_months_before() {
        let simulation = simulate(config());
        let cut = simulation.until(16);
        assert_eq!(cut.config.months, 16);
        assert!(cut.rows.iter().all(|r| r.month < 16));
        assert_eq!(
            cut.rows.len(),
            simulation.rows.iter().filter(|r| r.month < 16).count()
        );
    }
}
