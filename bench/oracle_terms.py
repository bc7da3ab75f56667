"""Which of the simulator's causes a model has learnt: for each ground-truth term, the oracle's
ROC AUC lost without it (how much it matters) and the correlation of the model's log-odds with
it (how much the model follows it). Inputs as for bench/oracle.py. Standard library only.
Usage: python3 bench/oracle_terms.py SCORES.csv GROUND_TRUTH.csv HORIZON"""
import csv, math, sys
from collections import defaultdict

sys.argv, args = sys.argv[:1] + ["-", "-", "0"], sys.argv[1:]
exec(open(__file__.replace("oracle_terms.py", "oracle.py")).read().split("scores_path, truth_path")[0])
scores_path, truth_path, horizon = args[0], args[1], int(args[2])

truth = {}
with open(truth_path) as f:
    reader = csv.DictReader(f)
    terms = [c[5:] for c in reader.fieldnames if c.startswith("term_")]
    for row in reader:
        truth[(row["employee_id"], row["snapshot_date"])] = row
rows = list(csv.DictReader(open(scores_path)))
by_origin = defaultdict(list)
for r in rows:
    by_origin[r["as_of"]].append(r)


def mean_auc(score):
    aucs = [roc_auc([r["left"] == "1" for r in rs], [score(r) for r in rs]) for rs in by_origin.values()]
    return sum(aucs) / len(aucs)


def at_horizon(row, dropped):
    h = float(row["voluntary_hazard"]) * math.exp(-sum(float(row["term_" + k]) for k in dropped))
    return 1 - (1 - h) ** horizon


def correlation(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs) / len(xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys) / len(ys))
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / len(xs) / (sx * sy) if sx and sy else 0.0


truth_of = lambda r: truth[(r["id"], r["as_of"])]
oracle = mean_auc(lambda r: at_horizon(truth_of(r), []))
model = mean_auc(lambda r: float(r["probability"]))
logits = [math.log(min(max(float(r["probability"]), 1e-9), 1 - 1e-9) / (1 - min(max(float(r["probability"]), 1e-9), 1 - 1e-9))) for r in rows]
print(f"oracle {oracle:.4f}   model {model:.4f}   (mean of origins)")
print(f"{'cause':<20} {'AUC lost without it':>20} {'corr with model':>16}")
for k in terms:
    lost = oracle - mean_auc(lambda r: at_horizon(truth_of(r), [k]))
    c = correlation([float(truth_of(r)["term_" + k]) for r in rows], logits)
    print(f"{k:<20} {lost:>20.4f} {c:>16.3f}")
