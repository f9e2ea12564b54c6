//! The report's charts, drawn on the server as SVG (askama templates): the
//! geometry is computed here, the markup is in `templates/staff/charts/`.
//! Each chart is shown in a `<figure class="chart">` beside a table of the
//! same numbers for screen readers; the SVG itself is hidden from them.

use askama::Template;

/// The drawing area of every chart, in SVG units (it scales to its box).
const WIDTH: f64 = 640.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;

/// A tick on the value axis: where, and its label.
pub struct Tick {
    pub y: f64,
    pub label: String,
}

/// One line of a line chart.
pub struct Line {
    pub class: &'static str,
    pub name: &'static str,
    /// `x,y x,y …` for the polyline.
    pub points: String,
    pub dots: Vec<(f64, f64)>,
}

/// A chart of lines over months (received and closed), or of bars (the
/// on-time rate), with a value axis from zero.
#[derive(Template)]
#[template(path = "staff/charts/months.svg", escape = "html")]
pub struct MonthsChart {
    pub height: f64,
    pub bottom: f64,
    pub left: f64,
    pub right: f64,
    pub ticks: Vec<Tick>,
    /// x and label of each month.
    pub months: Vec<(f64, String)>,
    pub lines: Vec<Line>,
    /// x, y, width, height of each bar.
    pub bars: Vec<(f64, f64, f64, f64)>,
}

/// A rounded-up top of the value axis and its step: 1, 2 or 5 × 10ⁿ.
pub fn nice_scale(max: f64) -> (f64, f64) {
    if max <= 0.0 {
        return (4.0, 1.0);
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw);
    ((max / step).ceil() * step, step)
}

const HEIGHT: f64 = 240.0;
const BOTTOM: f64 = 28.0;

fn plot_height() -> f64 {
    HEIGHT - TOP - BOTTOM
}

/// The x of the i-th of n months.
fn month_x(i: usize, n: usize) -> f64 {
    let span = WIDTH - LEFT - RIGHT;
    LEFT + span * (i as f64 + 0.5) / n as f64
}

fn axis(top: f64, step: f64, label: impl Fn(f64) -> String) -> Vec<Tick> {
    let mut ticks = Vec::new();
    let mut v = 0.0;
    while v <= top + step / 2.0 {
        ticks.push(Tick { y: TOP + plot_height() * (1.0 - v / top), label: label(v) });
        v += step;
    }
    ticks
}

/// Short month labels: `11月` in Japanese, `Nov` in English, and the year
/// where it starts or changes.
fn month_labels(months: &[(i16, i8)], ja: bool) -> Vec<String> {
    const EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    months
        .iter()
        .enumerate()
        .map(|(i, (y, m))| {
            let name = if ja { format!("{m}月") } else { EN[(*m as usize).saturating_sub(1) % 12].to_owned() };
            // The year where it starts (unless January is next and says it) and where it changes.
            let next_is_january = months.get(i + 1).is_some_and(|(_, m)| *m == 1);
            if (i == 0 && !next_is_january) || *m == 1 { format!("{name} {y}") } else { name }
        })
        .collect()
}

/// Received and closed over the months.
pub fn counts_chart(months: &[(i16, i8)], series: &[(&'static str, &'static str, Vec<i64>)], ja: bool) -> MonthsChart {
    let n = months.len();
    let max = series.iter().flat_map(|(_, _, v)| v.iter().copied()).max().unwrap_or(0);
    let (top, step) = nice_scale(max as f64);
    let y = |v: i64| TOP + plot_height() * (1.0 - v as f64 / top);
    let lines = series
        .iter()
        .map(|(class, name, values)| {
            let dots: Vec<(f64, f64)> = values.iter().enumerate().map(|(i, v)| (month_x(i, n), y(*v))).collect();
            let points = dots.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
            Line { class, name, points, dots }
        })
        .collect();
    months_chart(months, ja, axis(top, step, |v| format!("{v:.0}")), lines, Vec::new())
}

/// A chart over `months` with its value axis, lines and bars.
fn months_chart(
    months: &[(i16, i8)],
    ja: bool,
    ticks: Vec<Tick>,
    lines: Vec<Line>,
    bars: Vec<(f64, f64, f64, f64)>,
) -> MonthsChart {
    let n = months.len();
    MonthsChart {
        height: HEIGHT,
        bottom: HEIGHT - BOTTOM,
        left: LEFT,
        right: WIDTH - RIGHT,
        ticks,
        months: month_labels(months, ja).into_iter().enumerate().map(|(i, l)| (month_x(i, n), l)).collect(),
        lines,
        bars,
    }
}

/// The on-time rate of each month, as bars from 0 to 100 %; a month
/// without closings has no bar.
pub fn rate_chart(months: &[(i16, i8)], rates: &[Option<f64>], ja: bool) -> MonthsChart {
    let n = months.len();
    let slot = (WIDTH - LEFT - RIGHT) / n as f64;
    let bars = rates
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let r = (*r)?.clamp(0.0, 1.0);
            let h = plot_height() * r;
            Some((month_x(i, n) - slot * 0.3, TOP + plot_height() - h, slot * 0.6, h))
        })
        .collect();
    months_chart(months, ja, axis(1.0, 0.25, |v| format!("{:.0}%", v * 100.0)), Vec::new(), bars)
}

/// One kind's pair of bars.
pub struct KindBars {
    pub label: &'static str,
    pub y: f64,
    pub received: (f64, i64),
    pub closed: (f64, i64),
}

/// Received and closed per kind, as horizontal bars (labels in Japanese
/// stay readable on the left).
#[derive(Template)]
#[template(path = "staff/charts/kinds.svg", escape = "html")]
pub struct KindsChart {
    pub height: f64,
    pub label_width: f64,
    pub bar_height: f64,
    pub kinds: Vec<KindBars>,
}

pub fn kinds_chart(kinds: &[(&'static str, i64, i64)]) -> KindsChart {
    let label_width = 200.0;
    let bar_height = 12.0;
    let row = bar_height * 2.0 + 14.0;
    let max = kinds.iter().map(|(_, a, b)| (*a).max(*b)).max().unwrap_or(0).max(1) as f64;
    let span = WIDTH - label_width - 60.0;
    let kinds = kinds
        .iter()
        .enumerate()
        .map(|(i, (label, received, closed))| KindBars {
            label,
            y: TOP + row * i as f64,
            received: (span * *received as f64 / max, *received),
            closed: (span * *closed as f64 / max, *closed),
        })
        .collect::<Vec<_>>();
    KindsChart { height: TOP * 2.0 + row * kinds.len() as f64, label_width, bar_height, kinds }
}

impl KindsChart {
    pub fn width(&self) -> f64 {
        WIDTH
    }
}

impl MonthsChart {
    pub fn width(&self) -> f64 {
        WIDTH
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_axis_rounds_up_to_a_readable_step() {
        assert_eq!(nice_scale(0.0), (4.0, 1.0));
        assert_eq!(nice_scale(7.0), (8.0, 2.0));
        assert_eq!(nice_scale(93_000.0), (100_000.0, 50_000.0));
    }

    #[test]
    fn a_line_puts_zero_on_the_axis_and_the_largest_value_under_the_top() {
        let months = [(2026, 11), (2026, 12), (2027, 1)];
        let chart = counts_chart(&months, &[("received", "受付", vec![0, 5, 10])], true);
        let dots = &chart.lines[0].dots;
        assert_eq!(dots[0].1, chart.bottom, "zero sits on the axis");
        assert!(dots[2].1 >= TOP && dots[2].1 < dots[1].1, "higher values are drawn higher");
        assert_eq!(chart.months[2].1, "1月 2027", "the year is named where it changes");
        assert!(chart.render().expect("svg").contains("<polyline"));
    }

    #[test]
    fn a_month_without_closings_has_no_rate_bar() {
        let months = [(2026, 10), (2026, 11)];
        let chart = rate_chart(&months, &[None, Some(0.5)], false);
        assert_eq!(chart.bars.len(), 1);
        assert!((chart.bars[0].3 - plot_height() / 2.0).abs() < 1e-9, "half the height for 50 %");
    }
}
