//! A synthetic organization: a monthly HR panel an analyst would believe, with exits drawn
//! from a known hazard so models can be measured against the truth.
//!
//! The organization has departments, teams of 4–12 under managers, job levels with pay bands,
//! hiring to replace leavers and to grow, promotions, yearly raises and ratings, quarterly
//! engagement surveys, overtime, absence, commutes and manager changes. Voluntary exits follow
//! the documented [`hazard::CAUSES`]; dismissals follow low ratings and retirements age.

mod events;
pub mod hazard;
mod org;

use chrono::{Datelike, Months, NaiveDate};
use hazard::{dismissal_hazard, retirement_hazard, voluntary_hazard, Exposure, CAUSES};
pub use org::DEPARTMENTS as DEPARTMENT_TABLE;
use org::{
    Department, ExitKind, Person, Sex, Team, BAND_INFLATION, BAND_MEDIANS, DEPARTMENTS,
    FEMALE_START_GAP, MAX_TEAM, MIN_TEAM,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Normal, Poisson};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The first snapshot month of every simulation.
pub const START: (i32, u32) = (2023, 1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimulationConfig {
    /// Headcount at the start; the organization grows about 4% a year from there.
    pub people: usize,
    pub months: u32,
    pub seed: u64,
}

/// One person-month of the panel, as the export writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelRow {
    pub person: usize,
    pub month: u32,
    pub department: usize,
    pub team: String,
    pub manager: Option<usize>,
    pub level: usize,
    /// Month the person reached their current level: the last promotion, or the hire.
    pub level_since: i32,
    pub pay: f64,
    pub rating: Option<f64>,
    pub engagement: Option<f64>,
    pub manager_support: Option<f64>,
    pub overtime_hours: f64,
    pub absence_days: u32,
    pub exit: Option<(NaiveDate, ExitKind)>,
    /// Ground truth: the monthly voluntary hazard and each cause's log-hazard term.
    pub voluntary_hazard: f64,
    pub involuntary_hazard: f64,
    pub cause_terms: Vec<f64>,
}

/// A finished simulation: the people and their monthly rows.
pub struct Simulation {
    pub config: SimulationConfig,
    people: Vec<Person>,
    pub rows: Vec<PanelRow>,
}

/// Draws the organization and runs it month by month; deterministic for a seed.
pub fn simulate(config: SimulationConfig) -> Simulation {
    simulate_with_female_pay_gap(config, FEMALE_START_GAP)
}

/// [`simulate`] with women hired this much lower in their pay bands (0.08 by default): a
/// protected group that leaves more often through a legitimate, changeable driver (pay), for
/// fairness audits to find.
pub fn simulate_with_female_pay_gap(config: SimulationConfig, gap: f64) -> Simulation {
    let mut world = World::new(config);
    world.female_start_gap = gap;
    world.staff();
    for month in 0..config.months {
        world.run_month(month as i32);
    }
    Simulation {
        config,
        people: world.people,
        rows: world.rows,
    }
}

/// A simulation run month by month, so that actions taken on its people — an HR programme a
/// test plays out against tenure's warnings — change what happens next. Deterministic for a
/// seed and the same actions.
pub struct SimulationRun {
    world: World,
    months_run: u32,
}

impl SimulationRun {
    /// The organization staffed, before its first month.
    pub fn start(config: SimulationConfig) -> SimulationRun {
        let mut world = World::new(config);
        world.staff();
        SimulationRun {
            world,
            months_run: 0,
        }
    }

    /// Runs the months before `month` (0 is the first) not run yet.
    pub fn run_until(&mut self, month: u32) {
        while self.months_run < month {
            self.world.run_month(self.months_run as i32);
            self.months_run += 1;
        }
    }

    /// From the next month run on, for `months` months, `person`'s voluntary hazard is
    /// multiplied by `hazard_ratio`: an action's true effect. False for an unknown person.
    pub fn act(&mut self, person: &str, hazard_ratio: f64, months: u32) -> bool {
        let until = (self.months_run + months) as i32;
        match self.world.people.iter_mut().find(|p| p.key == person) {
            Some(p) => {
                p.helped = Some((until, hazard_ratio));
                true
            }
            None => false,
        }
    }

    /// The months run so far, as a simulation to write or inspect.
    pub fn simulation(&self) -> Simulation {
        Simulation {
            config: SimulationConfig {
                months: self.months_run,
                ..self.world.config
            },
            people: self.world.people.clone(),
            rows: self.world.rows.clone(),
        }
    }
}

pub fn month_date(month: i32) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(START.0, START.1, 1).expect("valid start");
    if month >= 0 {
        start + Months::new(month as u32)
    } else {
        start - Months::new((-month) as u32)
    }
}

fn normal(rng: &mut ChaCha8Rng, sd: f64) -> f64 {
    Normal::new(0.0, sd).expect("positive sd").sample(rng)
}

struct World {
    config: SimulationConfig,
    rng: ChaCha8Rng,
    people: Vec<Person>,
    teams: Vec<Team>,
    /// Department heads, by department.
    heads: Vec<usize>,
    /// Open positions: (month to fill, team, level).
    vacancies: Vec<(i32, usize, usize)>,
    rows: Vec<PanelRow>,
    band_index: f64,
    /// How much lower in their band women start.
    female_start_gap: f64,
}

impl World {
    fn new(config: SimulationConfig) -> Self {
        World {
            config,
            rng: ChaCha8Rng::seed_from_u64(config.seed),
            people: Vec::new(),
            teams: Vec::new(),
            heads: Vec::new(),
            vacancies: Vec::new(),
            rows: Vec::with_capacity(config.people * config.months as usize * 21 / 20),
            band_index: 1.0,
            female_start_gap: FEMALE_START_GAP,
        }
    }

    fn band_median(&self, department: usize, level: usize) -> f64 {
        BAND_MEDIANS[level - 1] * DEPARTMENTS[department].pay_factor * self.band_index
    }

    /// Fills every department at month 0: a head, a leadership team, and teams of 4–12.
    fn staff(&mut self) {
        for (d, department) in DEPARTMENTS.iter().enumerate() {
            let headcount =
                ((self.config.people as f64 * department.share).round() as usize).max(MIN_TEAM + 2);
            let leadership = self.new_team(d, true, 0);
            let head = self.hire(d, leadership, 6, 0, true);
            self.teams[leadership].manager = Some(head);
            self.people[head].team = leadership;
            self.people[head].manages = Some(leadership);
            self.heads.push(head);
            let mut remaining = headcount - 1;
            while remaining > MIN_TEAM {
                let size = self.rng.gen_range(MIN_TEAM..=MAX_TEAM).min(remaining - 1);
                let team = self.new_team(d, false, size);
                self.add_manager(team, 0, true);
                for _ in 0..size {
                    let level = self.member_level();
                    self.hire(d, team, level, 0, true);
                }
                remaining -= size + 1;
            }
            self.teams[leadership].target_size = self.teams[leadership].members.len();
        }
    }

    fn new_team(&mut self, department: usize, is_leadership: bool, target_size: usize) -> usize {
        let number = self
            .teams
            .iter()
            .filter(|t| t.department == department && !t.is_leadership)
            .count()
            + 1;
        let code = if is_leadership {
            format!("{}-LEAD", DEPARTMENTS[department].code)
        } else {
            format!("{}-{:02}", DEPARTMENTS[department].code, number)
        };
        let workload = normal(&mut self.rng, 1.0);
        self.teams.push(Team {
            code,
            department,
            manager: None,
            members: Vec::new(),
            target_size,
            workload,
            voluntary_exits: Vec::new(),
            is_leadership,
        });
        self.teams.len() - 1
    }

    fn leadership_team(&self, department: usize) -> usize {
        self.people[self.heads[department]]
            .manages
            .expect("a head leads the leadership team")
    }

    /// A new manager for a team: hired at level 4–5, a member of the department's leadership.
    fn add_manager(&mut self, team: usize, month: i32, initial: bool) -> usize {
        let department = self.teams[team].department;
        let level = if self.rng.gen_bool(0.6) { 4 } else { 5 };
        let leadership = self.leadership_team(department);
        let manager = self.hire(department, leadership, level, month, initial);
        self.make_manager(manager, team, month);
        manager
    }

    fn make_manager(&mut self, person: usize, team: usize, month: i32) {
        self.people[person].manages = Some(team);
        self.teams[team].manager = Some(person);
        let members = self.teams[team].members.clone();
        for member in members {
            self.people[member].last_manager_change = month;
        }
    }

    fn member_level(&mut self) -> usize {
        let u: f64 = self.rng.gen();
        [0.25, 0.60, 0.85, 0.97, 1.0]
            .iter()
            .position(|&c| u < c)
            .unwrap()
            + 1
    }

    /// Adds a person; `initial` staff were hired before the simulation with a tenure drawn
    /// from an exponential with a mean of 40 months.
    fn hire(
        &mut self,
        department: usize,
        team: usize,
        level: usize,
        month: i32,
        initial: bool,
    ) -> usize {
        let dept: &Department = &DEPARTMENTS[department];
        let rng = &mut self.rng;
        let tenure = if initial {
            let mean = 40.0 + if level >= 4 { 24.0 } else { 0.0 };
            (-mean * (1.0 - rng.gen::<f64>()).ln()).min(360.0) as i32
        } else {
            0
        };
        let hired = month - tenure;
        let hire_date = month_date(hired)
            .with_day(rng.gen_range(1..=28))
            .expect("day ≤ 28");
        let female_share = if level >= 4 {
            dept.female_share * 0.8
        } else {
            dept.female_share
        };
        let sex = if rng.gen_bool(female_share) {
            Sex::Female
        } else {
            Sex::Male
        };
        let age_at_hire = (22.0 + 3.0 * level as f64 + normal(rng, 4.0)).clamp(19.0, 58.0);
        let birth_year = hire_date.year() - age_at_hire.round() as i32;
        let gap = if sex == Sex::Female {
            1.0 - self.female_start_gap
        } else {
            1.0
        };
        let position = (normal(rng, 0.08)).exp() * gap;
        let commute_km = LogNormal::new(12f64.ln(), 0.7)
            .unwrap()
            .sample(rng)
            .clamp(0.5, 120.0);
        let last_promotion = hired.max(month - rng.gen_range(0..48));
        let performance = normal(rng, 1.0);
        let rating = (tenure > 6).then(|| rating_from(performance, rng));
        let engagement_latent = normal(rng, 1.0);
        let person = Person {
            key: format!("E{:05}", self.people.len() + 1),
            sex,
            birth_year,
            hired,
            hire_date,
            department,
            team,
            level,
            pay: 0.0,
            last_promotion,
            last_manager_change: hired,
            performance,
            rating,
            engagement_latent,
            engagement: None,
            previous_engagement: None,
            manager_support: None,
            commute_km,
            overtime_propensity: normal(rng, 1.0),
            leadership: normal(rng, 1.0),
            frailty: normal(rng, 0.25),
            manages: None,
            active: true,
            helped: None,
        };
        self.people.push(person);
        let index = self.people.len() - 1;
        self.people[index].pay =
            (self.band_median(department, level) * position / 100.0).round() * 100.0;
        if !initial || tenure > 3 {
            self.people[index].engagement = Some(survey_answer(engagement_latent, &mut self.rng));
            let quality = self.manager_quality(index);
            self.people[index].manager_support = Some(manager_item(quality, &mut self.rng));
        }
        self.teams[team].members.push(index);
        index
    }

    fn run_month(&mut self, month: i32) {
        let calendar = month_date(month).month();
        self.yearly_events(month, calendar);
        self.fill_vacancies(month);
        self.grow(month);
        if calendar.is_multiple_of(3) {
            self.survey();
        }
        self.drift();
        let leavers = self.record_and_draw_exits(month, calendar);
        for (person, kind) in leavers {
            self.leave(person, kind, month);
        }
        self.promote_and_transfer(month);
    }

    /// January: bands rise. April: raises by rating. December: new ratings.
    fn yearly_events(&mut self, month: i32, calendar: u32) {
        if calendar == 1 && month > 0 {
            self.band_index *= 1.0 + BAND_INFLATION;
        }
        for p in self.people.iter_mut().filter(|p| p.active) {
            if calendar == 4 && month - p.hired >= 6 {
                let raise =
                    0.02 + 0.009 * (p.rating.unwrap_or(3.0) - 3.0) + normal(&mut self.rng, 0.006);
                p.pay = (p.pay * (1.0 + raise.clamp(0.0, 0.08)) / 100.0).round() * 100.0;
            }
            if calendar == 12 && month - p.hired >= 6 {
                p.performance = 0.8 * p.performance + normal(&mut self.rng, 0.6);
                p.rating = Some(rating_from(p.performance, &mut self.rng));
            }
        }
    }

    fn fill_vacancies(&mut self, month: i32) {
        let due: Vec<(i32, usize, usize)> = self
            .vacancies
            .iter()
            .copied()
            .filter(|v| v.0 <= month)
            .collect();
        self.vacancies.retain(|v| v.0 > month);
        for (_, team, level) in due {
            if self.teams[team].members.len() < self.teams[team].target_size {
                let department = self.teams[team].department;
                self.hire(department, team, level, month, false);
            }
        }
    }

    /// About 4% a year: new people join teams with room, or a new team forms.
    fn grow(&mut self, month: i32) {
        let active = self.people.iter().filter(|p| p.active).count() as f64;
        let hires =
            Poisson::new(active * 0.04 / 12.0).map_or(0, |p| p.sample(&mut self.rng) as usize);
        for _ in 0..hires {
            let department = self.pick_department();
            let open: Vec<usize> = (0..self.teams.len())
                .filter(|&t| {
                    self.teams[t].department == department
                        && !self.teams[t].is_leadership
                        && self.teams[t].target_size < MAX_TEAM
                })
                .collect();
            let team = if open.is_empty() {
                let team = self.new_team(department, false, MIN_TEAM);
                self.add_manager(team, month, false);
                for _ in 0..MIN_TEAM - 1 {
                    let level = self.member_level();
                    self.hire(department, team, level, month, false);
                }
                team
            } else {
                let team = open[self.rng.gen_range(0..open.len())];
                self.teams[team].target_size += 1;
                team
            };
            let level = self.member_level();
            self.hire(department, team, level, month, false);
        }
    }

    fn pick_department(&mut self) -> usize {
        let u: f64 = self.rng.gen();
        let mut cumulative = 0.0;
        DEPARTMENTS
            .iter()
            .position(|d| {
                cumulative += d.share;
                u < cumulative
            })
            .unwrap_or(0)
    }

    /// Quarterly survey: 85% answer; the engagement item follows the person's engagement, the
    /// manager item their manager's leadership.
    fn survey(&mut self) {
        for index in 0..self.people.len() {
            if !self.people[index].active || !self.rng.gen_bool(0.85) {
                continue;
            }
            let quality = self.manager_quality(index);
            let p = &mut self.people[index];
            p.previous_engagement = p.engagement;
            p.engagement = Some(survey_answer(p.engagement_latent, &mut self.rng));
            p.manager_support = Some(manager_item(quality, &mut self.rng));
        }
    }

    /// Engagement follows pay, workload and the manager, and wanders; team workload drifts.
    fn drift(&mut self) {
        for team in &mut self.teams {
            team.workload = 0.9 * team.workload + normal(&mut self.rng, 0.43);
        }
        for index in 0..self.people.len() {
            if !self.people[index].active {
                continue;
            }
            let pull = -1.5 * (1.0 - self.compa_ratio(index)).max(0.0)
                + 0.3 * self.manager_quality(index)
                - 0.2 * self.teams[self.people[index].team].workload.max(0.0);
            let p = &mut self.people[index];
            p.engagement_latent =
                0.95 * p.engagement_latent + 0.05 * pull * 4.0 + normal(&mut self.rng, 0.22);
        }
    }

    fn compa_ratio(&self, person: usize) -> f64 {
        let p = &self.people[person];
        p.pay / self.band_median(p.department, p.level)
    }

    fn manager_of(&self, person: usize) -> Option<usize> {
        self.teams[self.people[person].team]
            .manager
            .filter(|&m| m != person)
    }

    fn manager_quality(&self, person: usize) -> f64 {
        self.manager_of(person)
            .map_or(0.0, |m| self.people[m].leadership)
    }

    fn record_and_draw_exits(&mut self, month: i32, calendar: u32) -> Vec<(usize, ExitKind)> {
        let date = month_date(month);
        let mut leavers = Vec::new();
        for index in 0..self.people.len() {
            if !self.people[index].active {
                continue;
            }
            let exposure = self.exposure(index, month, calendar);
            let (mut voluntary, terms) = voluntary_hazard(&exposure);
            let p = &self.people[index];
            if let Some((_, ratio)) = p.helped.filter(|(until, _)| month < *until) {
                voluntary *= ratio;
            }
            let age = (date.year() - p.birth_year) as f64;
            let dismissal = dismissal_hazard(p.rating);
            let retirement = retirement_hazard(age);
            let overtime_hours = exposure.overtime_hours;
            let absence_days = Poisson::new(0.5 + 0.5 * (-p.engagement_latent).max(0.0))
                .map_or(0, |d| d.sample(&mut self.rng) as u32);
            let u: f64 = self.rng.gen();
            let kind = if u < voluntary {
                Some(ExitKind::Resignation)
            } else if u < voluntary + dismissal {
                Some(ExitKind::Dismissal)
            } else if u < voluntary + dismissal + retirement {
                Some(ExitKind::Retirement)
            } else {
                None
            };
            let exit = kind.map(|k| {
                (
                    date.with_day(self.rng.gen_range(1..=28)).expect("day ≤ 28"),
                    k,
                )
            });
            let p = &self.people[index];
            self.rows.push(PanelRow {
                person: index,
                month: month as u32,
                department: p.department,
                team: self.teams[p.team].code.clone(),
                manager: self.manager_of(index),
                level: p.level,
                level_since: p.last_promotion,
                pay: p.pay,
                rating: p.rating,
                engagement: p.engagement,
                manager_support: p.manager_support,
                overtime_hours,
                absence_days,
                exit,
                voluntary_hazard: voluntary,
                involuntary_hazard: dismissal + retirement,
                cause_terms: terms,
            });
            if let Some(kind) = kind {
                leavers.push((index, kind));
            }
        }
        leavers
    }

    fn exposure(&mut self, index: usize, month: i32, calendar: u32) -> Exposure {
        let p = &self.people[index];
        let team = &self.teams[p.team];
        let overtime = (DEPARTMENTS[p.department].overtime_base
            + 6.0 * team.workload
            + 5.0 * p.overtime_propensity)
            .max(0.0);
        let overtime_hours = (overtime + normal(&mut self.rng, 3.0)).max(0.0).round();
        let p = &self.people[index];
        let team = &self.teams[p.team];
        Exposure {
            compa_ratio: self.compa_ratio(index),
            months_since_promotion: (month - p.last_promotion) as f64,
            engagement: p.engagement,
            engagement_change: p
                .engagement
                .zip(p.previous_engagement)
                .map(|(now, before)| now - before),
            overtime_hours,
            manager_quality: self.manager_quality(index),
            months_since_manager_change: (month - p.last_manager_change) as f64,
            teammates_left_6m: team
                .voluntary_exits
                .iter()
                .filter(|&&m| m >= month - 6)
                .count() as f64,
            tenure_months: (month - p.hired) as f64,
            month_of_year: calendar,
            commute_km: p.commute_km,
            rating: p.rating,
            frailty: p.frailty,
        }
    }

    /// A leaver's seat is refilled in 1–3 months; a manager's team gets a new manager now.
    fn leave(&mut self, person: usize, kind: ExitKind, month: i32) {
        self.people[person].active = false;
        let team = self.people[person].team;
        self.teams[team].members.retain(|&m| m != person);
        if kind == ExitKind::Resignation {
            self.teams[team].voluntary_exits.push(month);
        }
        if let Some(managed) = self.people[person].manages.take() {
            self.replace_manager(managed, month);
            return;
        }
        let delay = self.rng.gen_range(1..=3);
        let level = self.people[person].level;
        self.vacancies.push((month + delay, team, level));
    }

    /// Half the time the team's best-rated senior member steps up; otherwise an outside hire.
    fn replace_manager(&mut self, team: usize, month: i32) {
        if self.teams[team].is_leadership {
            let department = self.teams[team].department;
            let head = self.hire(department, team, 6, month, false);
            self.make_manager(head, team, month);
            self.heads[department] = head;
            return;
        }
        let internal = self.teams[team]
            .members
            .iter()
            .copied()
            .filter(|&m| self.people[m].level >= 3)
            .max_by(|&a, &b| {
                self.people[a]
                    .rating
                    .unwrap_or(0.0)
                    .total_cmp(&self.people[b].rating.unwrap_or(0.0))
            });
        match internal {
            Some(successor) if self.rng.gen_bool(0.5) => {
                self.teams[team].members.retain(|&m| m != successor);
                let leadership = self.leadership_team(self.teams[team].department);
                self.people[successor].team = leadership;
                self.teams[leadership].members.push(successor);
                self.promote(successor, month);
                self.people[successor].level = self.people[successor].level.max(4);
                self.make_manager(successor, team, month);
                let level = self.member_level();
                self.vacancies.push((month + 2, team, level));
            }
            _ => {
                self.add_manager(team, month, false);
            }
        }
    }

    fn promote(&mut self, person: usize, month: i32) {
        let p = &mut self.people[person];
        p.level = (p.level + 1).min(6);
        p.last_promotion = month;
        let floor = BAND_MEDIANS[p.level - 1]
            * DEPARTMENTS[p.department].pay_factor
            * self.band_index
            * 0.9;
        p.pay = ((p.pay * 1.10).max(floor) / 100.0).round() * 100.0;
    }

    /// Promotions favour good ratings and time in level; a few people move teams each month.
    fn promote_and_transfer(&mut self, month: i32) {
        for index in 0..self.people.len() {
            let p = &self.people[index];
            if !p.active || p.manages.is_some() || p.level >= 5 || month - p.last_promotion < 12 {
                continue;
            }
            let chance = 0.012 * (0.6 * (p.rating.unwrap_or(3.0) - 3.0)).exp();
            if self.rng.gen_bool(chance.min(0.2)) {
                self.promote(index, month);
            }
        }
        let candidates: Vec<usize> = (0..self.people.len())
            .filter(|&i| self.people[i].active && self.people[i].manages.is_none())
            .collect();
        for index in candidates {
            if !self.rng.gen_bool(0.003) {
                continue;
            }
            let from = self.people[index].team;
            let department = self.people[index].department;
            let options: Vec<usize> = (0..self.teams.len())
                .filter(|&t| {
                    t != from
                        && self.teams[t].department == department
                        && !self.teams[t].is_leadership
                        && self.teams[t].members.len() < MAX_TEAM
                })
                .collect();
            if self.teams[from].is_leadership
                || options.is_empty()
                || self.teams[from].members.len() <= MIN_TEAM
            {
                continue;
            }
            let to = options[self.rng.gen_range(0..options.len())];
            self.teams[from].members.retain(|&m| m != index);
            self.teams[from].target_size -= 1;
            self.teams[to].members.push(index);
            self.teams[to].target_size =
                self.teams[to].target_size.max(self.teams[to].members.len());
            self.people[index].team = to;
            self.people[index].last_manager_change = month;
        }
    }
}

fn rating_from(performance: f64, rng: &mut ChaCha8Rng) -> f64 {
    (3.0 + 0.8 * performance + normal(rng, 0.5))
        .round()
        .clamp(1.0, 5.0)
}

fn survey_answer(latent: f64, rng: &mut ChaCha8Rng) -> f64 {
    ((3.6 + 0.55 * latent + normal(rng, 0.3)).clamp(1.0, 5.0) * 10.0).round() / 10.0
}

/// One person's view of their manager: noisy, so only a team's answers together tell a poor
/// manager from a good one.
fn manager_item(quality: f64, rng: &mut ChaCha8Rng) -> f64 {
    ((3.7 + 0.5 * quality + normal(rng, 0.4)).clamp(1.0, 5.0) * 10.0).round() / 10.0
}

/// The day a person reached their level: the hire date itself when never promoted, else
/// the first of the promotion month.
fn level_start_date(hire_date: NaiveDate, level_since: i32, hired: i32) -> String {
    if level_since <= hired {
        hire_date
    } else {
        month_date(level_since)
    }
    .to_string()
}

/// The files `simulate` writes.
pub struct SimulationFiles {
    pub panel: PathBuf,
    pub mapping: PathBuf,
    pub ground_truth: PathBuf,
}

pub const PANEL_FILE: &str = "panel.csv";
pub const MAPPING_FILE: &str = "mapping.toml";
pub const GROUND_TRUTH_FILE: &str = "ground_truth.csv";

/// The mapping of the simulated panel, as a user would write it.
pub const PANEL_MAPPING: &str = r#"# Mapping of the panel written by `tenure simulate`.
shape = "panel"
id = "employee_id"
as_of = "snapshot_date"
as_of_format = "%Y-%m-%d"
exit_date = "exit_date"
exit_date_format = "%Y-%m-%d"
exit_kind = "exit_kind"
voluntary = ["resignation"]
protected = ["sex", "birth_year"]

[columns]
department = "category"
team = "category"
manager_id = "category"
job_level = "number"
hire_date = "date"
level_start_date = "date"
annual_pay = "number"
last_rating = "number"
engagement_score = "number"
manager_support_score = "number"
overtime_hours = "number"
absence_days = "number"
commute_km = "number"

[date_formats]
hire_date = "%Y-%m-%d"
level_start_date = "%Y-%m-%d"

[roles]
pay = "annual_pay"
level = "job_level"
department = "department"
team = "team"
manager = "manager_id"
rating = "last_rating"
survey = ["engagement_score", "manager_support_score"]
hire_date = "hire_date"

[roles.labels.level_start_date]
en = "last level change"
zh = "上次职级变动"

[roles.labels.engagement_score]
en = "engagement"
zh = "敬业度"

[roles.labels.manager_support_score]
en = "manager support"
zh = "上级支持"

[roles.labels.overtime_hours]
en = "overtime hours"
zh = "加班时长"

[roles.labels.absence_days]
en = "absence days"
zh = "缺勤天数"

[roles.labels.commute_km]
en = "commute (km)"
zh = "通勤距离（公里）"
"#;

const PANEL_HEADER: &[&str] = &[
    "employee_id",
    "snapshot_date",
    "department",
    "team",
    "manager_id",
    "job_level",
    "hire_date",
    "level_start_date",
    "annual_pay",
    "last_rating",
    "engagement_score",
    "manager_support_score",
    "overtime_hours",
    "absence_days",
    "commute_km",
    "sex",
    "birth_year",
    "exit_date",
    "exit_kind",
];

impl Simulation {
    /// The employee id of person `index` (as `PanelRow::person` numbers them).
    pub fn person_key(&self, index: usize) -> &str {
        &self.people[index].key
    }

    /// Writes the panel, its mapping and the ground truth into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<SimulationFiles> {
        std::fs::create_dir_all(dir)?;
        let files = SimulationFiles {
            panel: dir.join(PANEL_FILE),
            mapping: dir.join(MAPPING_FILE),
            ground_truth: dir.join(GROUND_TRUTH_FILE),
        };
        self.write_panel(&files.panel)?;
        std::fs::write(&files.mapping, PANEL_MAPPING)?;
        self.write_truth(&files.ground_truth)?;
        Ok(files)
    }

    fn write_panel(&self, path: &Path) -> std::io::Result<()> {
        let mut out =
            csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(path)?));
        out.write_record(PANEL_HEADER)?;
        for row in &self.rows {
            out.write_record(self.panel_record(row))?;
        }
        out.flush()
    }

    fn panel_record(&self, row: &PanelRow) -> Vec<String> {
        let p = &self.people[row.person];
        let optional = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
        vec![
            p.key.clone(),
            month_date(row.month as i32).to_string(),
            DEPARTMENTS[row.department].name.to_owned(),
            row.team.clone(),
            row.manager
                .map(|m| self.people[m].key.clone())
                .unwrap_or_default(),
            row.level.to_string(),
            p.hire_date.to_string(),
            level_start_date(p.hire_date, row.level_since, p.hired),
            format!("{:.0}", row.pay),
            optional(row.rating),
            optional(row.engagement),
            optional(row.manager_support),
            row.overtime_hours.to_string(),
            row.absence_days.to_string(),
            format!("{:.1}", p.commute_km),
            p.sex.code().to_owned(),
            p.birth_year.to_string(),
            row.exit.map(|(d, _)| d.to_string()).unwrap_or_default(),
            row.exit
                .map(|(_, k)| k.code().to_owned())
                .unwrap_or_default(),
        ]
    }

    fn write_truth(&self, path: &Path) -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        let causes: Vec<String> = CAUSES.iter().map(|c| format!("term_{}", c.key)).collect();
        writeln!(
            out,
            "employee_id,snapshot_date,voluntary_hazard,involuntary_hazard,{}",
            causes.join(",")
        )?;
        for row in &self.rows {
            let terms: Vec<String> = row.cause_terms.iter().map(|t| format!("{t:.6}")).collect();
            let key = &self.people[row.person].key;
            writeln!(
                out,
                "{key},{},{:.8},{:.8},{}",
                month_date(row.month as i32),
                row.voluntary_hazard,
                row.involuntary_hazard,
                terms.join(",")
            )?;
        }
        out.flush()
    }

    /// Headline figures an analyst would check first.
    pub fn summary(&self) -> SimulationSummary {
        let mut summary = SimulationSummary {
            rows: self.rows.len(),
            people: self.people.len(),
            ..Default::default()
        };
        for row in &self.rows {
            match row.exit.map(|(_, k)| k) {
                Some(ExitKind::Resignation) => summary.resignations += 1,
                Some(ExitKind::Dismissal) => summary.dismissals += 1,
                Some(ExitKind::Retirement) => summary.retirements += 1,
                None => {}
            }
            summary.mean_voluntary_hazard += row.voluntary_hazard;
        }
        summary.mean_voluntary_hazard /= self.rows.len().max(1) as f64;
        summary.monthly_voluntary_rate =
            summary.resignations as f64 / self.rows.len().max(1) as f64;
        let last_month = self.config.months.saturating_sub(1);
        let tenures: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| r.month == last_month)
            .map(|r| (last_month as i32 - self.people[r.person].hired) as f64 / 12.0)
            .collect();
        summary.final_headcount = tenures.len();
        summary.median_tenure_years = median(tenures.clone());
        summary.share_tenure_under_1y =
            tenures.iter().filter(|&&t| t < 1.0).count() as f64 / tenures.len().max(1) as f64;
        summary.share_tenure_over_10y =
            tenures.iter().filter(|&&t| t >= 10.0).count() as f64 / tenures.len().max(1) as f64;
        summary
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[derive(Debug, Clone, Default)]
pub struct SimulationSummary {
    pub rows: usize,
    pub people: usize,
    pub final_headcount: usize,
    pub resignations: usize,
    pub dismissals: usize,
    pub retirements: usize,
    pub mean_voluntary_hazard: f64,
    pub monthly_voluntary_rate: f64,
    pub median_tenure_years: f64,
    pub share_tenure_under_1y: f64,
    pub share_tenure_over_10y: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SimulationConfig {
        SimulationConfig {
            people: 400,
            months: 24,
            seed: 7,
        }
    }

    #[test]
    fn a_run_month_by_month_is_the_simulation_and_an_action_lowers_the_hazard() {
        let config = small();
        let whole = simulate(config);
        let mut run = SimulationRun::start(config);
        run.run_until(config.months / 2);
        run.run_until(config.months);
        assert_eq!(run.simulation().rows, whole.rows);

        let mut acted = SimulationRun::start(config);
        acted.run_until(6);
        let person = whole.person_key(whole.rows.iter().find(|r| r.month == 6).unwrap().person);
        assert!(acted.act(person, 0.25, 3));
        assert!(!acted.act("nobody", 0.25, 3));
        acted.run_until(12);
        let hazard = |s: &Simulation, month: u32| {
            s.rows
                .iter()
                .find(|r| s.person_key(r.person) == person && r.month == month)
                .map(|r| r.voluntary_hazard)
        };
        let acted = acted.simulation();
        let ratio = hazard(&acted, 7).unwrap() / hazard(&whole, 7).unwrap();
        assert!((ratio - 0.25).abs() < 0.05, "{ratio}");
        assert_eq!(acted.config.months, 12);
    }

    #[test]
    fn the_same_seed_gives_the_same_organization() {
        let (a, b) = (simulate(small()), simulate(small()));
        assert_eq!(a.rows, b.rows);
        let c = simulate(SimulationConfig { seed: 8, ..small() });
        assert_ne!(a.rows, c.rows);
    }

    #[test]
    fn teams_stay_between_four_and_twelve() {
        let sim = simulate(small());
        let mut sizes: std::collections::BTreeMap<(u32, &str), usize> = Default::default();
        for row in sim.rows.iter().filter(|r| !r.team.ends_with("-LEAD")) {
            *sizes.entry((row.month, row.team.as_str())).or_default() += 1;
        }
        let over = sizes.values().filter(|&&n| n > MAX_TEAM).count();
        assert_eq!(over, 0, "no team above {MAX_TEAM}");
        let under =
            sizes.values().filter(|&&n| n < MIN_TEAM - 2).count() as f64 / sizes.len() as f64;
        assert!(
            under < 0.05,
            "teams fall below size only briefly between a leaver and the rehire: {under}"
        );
    }

    #[test]
    fn attrition_and_tenure_are_plausible() {
        let s = simulate(SimulationConfig {
            people: 2000,
            months: 36,
            seed: 1,
        })
        .summary();
        let annual = 1.0 - (1.0 - s.monthly_voluntary_rate).powi(12);
        assert!(
            (0.08..0.20).contains(&annual),
            "annual voluntary attrition {annual}"
        );
        assert!(
            (2.0..6.0).contains(&s.median_tenure_years),
            "median tenure {}",
            s.median_tenure_years
        );
        assert!(s.final_headcount > 2000, "the organization grows");
    }

    #[test]
    fn women_sit_lower_in_their_bands_and_leave_more() {
        let sim = simulate(SimulationConfig {
            people: 3000,
            months: 36,
            seed: 3,
        });
        let mut by_sex = [(0.0, 0.0, 0usize); 2];
        for row in &sim.rows {
            let p = &sim.people[row.person];
            let slot = &mut by_sex[usize::from(p.sex == Sex::Male)];
            slot.0 += row.voluntary_hazard;
            slot.1 += row.cause_terms[0];
            slot.2 += 1;
        }
        let [f, m] = by_sex.map(|(h, pay, n)| (h / n as f64, pay / n as f64));
        assert!(f.0 > m.0 * 1.05, "women's hazard {} vs men's {}", f.0, m.0);
        assert!(f.1 > m.1, "through the pay-below-band cause");
    }
}
