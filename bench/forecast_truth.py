"""Helpers for bench/forecast_coverage.sh, reading the simulated panel directly.

month PANEL K          prints the K-th distinct snapshot date (1-based)
check PANEL JSON SEED  prints one JSON line: the forecast for 6 months as of its date, and how
                       many people employed then really resigned in the 6 months after it
"""
import csv
import datetime
import json
import sys


def snapshot_dates(panel):
    with open(panel, newline="") as f:
        return sorted({row["snapshot_date"] for row in csv.DictReader(f)})


def add_months(date, months):
    y, m = divmod(date.month - 1 + months, 12)
    return date.replace(year=date.year + y, month=m + 1)


def actual_leavers(panel, as_of, months):
    as_of_date = datetime.date.fromisoformat(as_of)
    end = add_months(as_of_date, months)
    employed, left = set(), set()
    with open(panel, newline="") as f:
        for row in csv.DictReader(f):
            if row["snapshot_date"] == as_of:
                employed.add(row["employee_id"])
            if row["exit_kind"] == "resignation" and row["exit_date"]:
                exit_date = datetime.date.fromisoformat(row["exit_date"])
                if as_of_date < exit_date <= end:
                    left.add(row["employee_id"])
    return len(employed & left)


def main():
    if sys.argv[1] == "month":
        print(snapshot_dates(sys.argv[2])[int(sys.argv[3]) - 1])
        return
    panel, forecast_file, seed = sys.argv[2], sys.argv[3], int(sys.argv[4])
    forecast = json.load(open(forecast_file))
    six = next(h for h in forecast["organization"]["horizons"] if h["months"] == 6)
    actual = actual_leavers(panel, forecast["as_of"], 6)
    print(json.dumps({
        "seed": seed,
        "as_of": forecast["as_of"],
        "people": forecast["organization"]["people"],
        "expected": round(six["expected_leavers"], 2),
        "lower": six["interval_lower"],
        "upper": six["interval_upper"],
        "actual": actual,
        "inside": six["interval_lower"] <= actual <= six["interval_upper"],
        "exact_lower": six["interval_if_probabilities_exact"][0],
        "exact_upper": six["interval_if_probabilities_exact"][1],
        "inside_if_exact": six["interval_if_probabilities_exact"][0] <= actual <= six["interval_if_probabilities_exact"][1],
        "level_sd": round(forecast["level_uncertainty"], 4),
        "out_of_time_check": forecast.get("out_of_time_check"),
        "training_seconds": round(forecast["training_seconds"], 2),
        "forecast_seconds": round(forecast["forecast_seconds"], 3),
    }))


main()
