"""Turns a panel written by `tenure simulate` into a one-row-per-person export, as an HRIS
report of "who was here on a date, and did they leave within a year" would be: everyone on
the panel at the snapshot a year before its end, their inputs that month (hire and level
dates as months of tenure and in level), and `left` = a resignation within the next twelve
months. Writes cross_section.csv and mapping.toml into OUT.
Usage: cross_section.py PANEL.csv OUT"""
import csv
import os
import sys
from datetime import date

panel_path, out = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(panel_path, newline="")))
dates = sorted({r["snapshot_date"] for r in rows})
as_of = dates[-13]  # twelve monthly snapshots follow it
day = date.fromisoformat(as_of)
year_later = date(day.year + 1, day.month, day.day)
resigned = {}
for r in rows:
    if r["exit_kind"] == "resignation" and r["exit_date"]:
        resigned[r["employee_id"]] = date.fromisoformat(r["exit_date"])


def months_between(start, end):
    start = date.fromisoformat(start)
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


KEEP = ["department", "team", "job_level", "annual_pay", "last_rating", "engagement_score",
        "manager_support_score", "overtime_hours", "absence_days", "commute_km", "sex", "birth_year"]
os.makedirs(out, exist_ok=True)
written = 0
with open(os.path.join(out, "cross_section.csv"), "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(["employee_id"] + KEEP + ["tenure_months", "months_in_level", "left"])
    for r in rows:
        if r["snapshot_date"] != as_of or (r["exit_date"] and date.fromisoformat(r["exit_date"]) <= day):
            continue
        left = r["employee_id"] in resigned and day < resigned[r["employee_id"]] <= year_later
        writer.writerow([r["employee_id"]] + [r[c] for c in KEEP]
                        + [months_between(r["hire_date"], day), months_between(r["level_start_date"], day),
                           "Yes" if left else "No"])
        written += 1
with open(os.path.join(out, "mapping.toml"), "w") as f:
    f.write(f"""# One row per person on {as_of}: did they resign within twelve months?
id = "employee_id"
target = "left"
positive = "Yes"
protected = ["sex", "birth_year"]

[columns]
department = "category"
team = "category"
job_level = "number"
annual_pay = "number"
last_rating = "number"
engagement_score = "number"
manager_support_score = "number"
overtime_hours = "number"
absence_days = "number"
commute_km = "number"
tenure_months = "number"
months_in_level = "number"
sex = "category"
birth_year = "number"

[roles]
pay = "annual_pay"
level = "job_level"
department = "department"
team = "team"
rating = "last_rating"
survey = ["engagement_score", "manager_support_score"]
""")
print(f"{written} people on {as_of}")
