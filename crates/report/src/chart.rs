//! Charts as inline SVG: horizontal bars (with intervals), lines over time, and a step curve
//! for survival. Each chart is an image with a title and a description for screen readers,
//! and every figure it shows is also written next to its mark, so nothing is colour alone.
//! No script, no external file: the same markup serves pages, HTML reports and screenshots.

use std::fmt::Write;

/// Text for XML: the five characters that could end a string or start markup are escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One bar: its label, value, optional interval and the text written beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub interval: Option<(f64, f64)>,
    pub shown: String,
    /// One of the palette's tones (see [`Tone`]).
    pub tone: Tone,
}

/// The few colours charts use, each dark enough against white for its text (WCAG AA).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    High,
    Medium,
    Low,
    Neutral,
    Accent,
}

impl Tone {
    pub fn fill(self) -> &'static str {
        match self {
            Tone::High => "#b42318",
            Tone::Medium => "#b54708",
            Tone::Low => "#027a48",
            Tone::Neutral => "#667085",
            Tone::Accent => "#3538cd",
        }
    }
}

const WIDTH: f64 = 640.0;
const LABEL_WIDTH: f64 = 190.0;
const VALUE_WIDTH: f64 = 110.0;
const ROW: f64 = 26.0;

/// Horizontal bars, longest scale first to last as given; an interval draws as a whisker.
pub fn bars(title: &str, description: &str, items: &[Bar]) -> String {
    let top = items
        .iter()
        .map(|b| b.interval.map_or(b.value, |(_, high)| high.max(b.value)))
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let height = ROW * items.len().max(1) as f64 + 8.0;
    let mut svg = open(title, description, WIDTH, height);
    for (i, bar) in items.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let length = (bar.value.max(0.0) / top * plot).max(1.0);
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="label">{label}</text><rect x="{x}" y="{by}" width="{length:.1}" height="16" rx="2" fill="{fill}"/>"#,
            lx = LABEL_WIDTH - 8.0,
            ty = y + 13.0,
            label = escape(&clip(&bar.label, 28)),
            x = LABEL_WIDTH,
            by = y,
            fill = bar.tone.fill(),
        );
        if let Some((low, high)) = bar.interval {
            let (x1, x2) = (
                LABEL_WIDTH + low.max(0.0) / top * plot,
                LABEL_WIDTH + high.max(0.0) / top * plot,
            );
            let _ = write!(
                svg,
                r##"<path d="M{x1:.1} {m:.1}H{x2:.1}M{x1:.1} {a:.1}V{b:.1}M{x2:.1} {a:.1}V{b:.1}" stroke="#101828" stroke-width="1.5" fill="none"/>"##,
                m = y + 8.0,
                a = y + 3.0,
                b = y + 13.0,
            );
        }
        let _ = write!(
            svg,
            r#"<text x="{vx}" y="{ty}" class="value">{shown}</text>"#,
            vx = WIDTH - VALUE_WIDTH + 6.0,
            ty = y + 13.0,
            shown = escape(&bar.shown),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A point of a line: its label on the x axis and its value (None: no figure that month).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
}

/// How a line chart's y axis is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scale {
    /// 0 to 1, written as percentages.
    Share,
    /// 0 to the largest value, written as counts.
    Count,
}

/// One or more lines over the same x labels; `step` draws a survival-style staircase.
pub fn lines(
    title: &str,
    description: &str,
    series: &[(&str, Tone, &[Point])],
    scale: Scale,
    step: bool,
) -> String {
    let width = WIDTH;
    let height = 220.0;
    let (left, right, top, bottom) = (48.0, 16.0, 12.0, 36.0);
    let top_value = match scale {
        Scale::Share => series
            .iter()
            .flat_map(|(_, _, points)| points.iter().filter_map(|p| p.value))
            .fold(0.0_f64, f64::max)
            .clamp(0.05, 1.0),
        Scale::Count => series
            .iter()
            .flat_map(|(_, _, points)| points.iter().filter_map(|p| p.value))
            .fold(1.0_f64, f64::max),
    };
    let top_value = nice_ceiling(top_value);
    let count = series.iter().map(|(_, _, p)| p.len()).max().unwrap_or(0);
    let x_of = |i: usize| {
        if count <= 1 {
            left + (width - left - right) / 2.0
        } else {
            left + (width - left - right) * i as f64 / (count - 1) as f64
        }
    };
    let y_of = |v: f64| top + (height - top - bottom) * (1.0 - v / top_value);
    let mut svg = open(title, description, width, height);
    for tick in 0..=4 {
        let v = top_value * tick as f64 / 4.0;
        let y = y_of(v);
        let text = match scale {
            Scale::Share => format!("{:.0}%", v * 100.0),
            Scale::Count => format!("{v:.0}"),
        };
        let _ = write!(
            svg,
            r##"<path d="M{left} {y:.1}H{r:.1}" stroke="#eaecf0"/><text x="{tx}" y="{ty:.1}" text-anchor="end" class="axis">{text}</text>"##,
            r = width - right,
            tx = left - 6.0,
            ty = y + 4.0,
        );
    }
    if let Some((_, _, points)) = series.iter().max_by_key(|(_, _, p)| p.len()) {
        let every = (points.len() / 8).max(1);
        for (i, p) in points.iter().enumerate().filter(|(i, _)| i % every == 0) {
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{y}" text-anchor="middle" class="axis">{label}</text>"#,
                x = x_of(i),
                y = height - 14.0,
                label = escape(&p.label),
            );
        }
    }
    for (name, tone, points) in series {
        let mut path = String::new();
        let mut last: Option<(f64, f64)> = None;
        for (i, p) in points.iter().enumerate() {
            let Some(v) = p.value else {
                last = None;
                continue;
            };
            let (x, y) = (x_of(i), y_of(v));
            match last {
                None => {
                    let _ = write!(path, "M{x:.1} {y:.1}");
                }
                Some((_, ly)) if step => {
                    let _ = write!(path, "H{x:.1}V{y:.1}");
                    let _ = ly;
                }
                Some(_) => {
                    let _ = write!(path, "L{x:.1} {y:.1}");
                }
            }
            last = Some((x, y));
        }
        let _ = write!(
            svg,
            r#"<path d="{path}" stroke="{c}" stroke-width="2.5" fill="none"><title>{name}</title></path>"#,
            c = tone.fill(),
            name = escape(name),
        );
        for (i, p) in points.iter().enumerate() {
            if let Some(v) = p.value {
                let shown = match scale {
                    Scale::Share => format!("{:.1}%", v * 100.0),
                    Scale::Count => format!("{v:.0}"),
                };
                let _ = write!(
                    svg,
                    r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{c}"><title>{label}: {shown}</title></circle>"#,
                    x = x_of(i),
                    y = y_of(v),
                    c = tone.fill(),
                    label = escape(&p.label),
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

fn open(title: &str, description: &str, width: f64, height: f64) -> String {
    let id = title_id(title);
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height:.0}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{t}</title><desc id="{id}-d">{d}</desc>"#,
        t = escape(title),
        d = escape(description),
    )
}

/// An id from a title's characters (titles differ within a page).
fn title_id(title: &str) -> String {
    let mut hash: u32 = 2166136261;
    for b in title.bytes() {
        hash = (hash ^ u32::from(b)).wrapping_mul(16777619);
    }
    format!("c{hash:08x}")
}

fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(chars - 1).collect();
        cut.push('…');
        cut
    }
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `v`: axes end on round figures.
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if step * magnitude >= v - 1e-12 {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: f64) -> Bar {
        Bar {
            label: label.into(),
            value,
            interval: Some((value * 0.5, value * 1.5)),
            shown: format!("{value}"),
            tone: Tone::Accent,
        }
    }

    #[test]
    fn bars_are_labelled_images_with_every_figure_written() {
        let svg = bars(
            "Expected leavers",
            "By horizon",
            &[bar("3 months", 4.0), bar("<12> & more", 9.0)],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("<title id=") && svg.contains("Expected leavers"));
        assert!(svg.contains("&lt;12&gt; &amp; more"), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains(">9<") && svg.contains(">4<"));
    }

    #[test]
    fn a_line_skips_missing_months_and_steps_when_asked() {
        let points = [
            Point {
                label: "Jan".into(),
                value: Some(0.1),
            },
            Point {
                label: "Feb".into(),
                value: None,
            },
            Point {
                label: "Mar".into(),
                value: Some(0.3),
            },
        ];
        let svg = lines(
            "Trend",
            "Monthly",
            &[("rate", Tone::High, &points)],
            Scale::Share,
            false,
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.matches('M').filter(|_| true).count() >= 2);
        let stepped = lines(
            "Curve",
            "Survival",
            &[("p", Tone::Low, &points[..1])],
            Scale::Share,
            true,
        );
        assert!(stepped.contains("<path d=\"M"));
    }

    #[test]
    fn axes_end_on_round_figures() {
        assert_eq!(nice_ceiling(0.37), 0.5);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(0.2), 0.2);
    }
}
