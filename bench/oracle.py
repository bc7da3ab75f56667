"""The oracle's ROC AUC on a simulated panel: the same person-months tenure's backtest scored
(`tenure evaluate --scores-out`), ranked by the ground truth's own hazard, 1 − (1 − h)^H, with
and without the terms no record shows. Standard library only.
Usage: python3 bench/oracle.py SCORES.csv GROUND_TRUTH.csv HORIZON"""
import csv, math, sys
from collections import defaultdict


def roc_auc(labels, scores):
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):  # average ranks over ties
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    positives = sum(labels)
    negatives = len(labels) - positives
    rank_sum = sum(r for r, l in zip(ranks, labels) if l)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


scores_path, truth_path, horizon = sys.argv[1], sys.argv[2], int(sys.argv[3])
truth = {}
with open(truth_path) as f:
    for row in csv.DictReader(f):
        truth[(row["employee_id"], row["snapshot_date"])] = row
by_origin = defaultdict(list)
with open(scores_path) as f:
    for row in csv.DictReader(f):
        by_origin[row["as_of"]].append(row)


def at_horizon(h):
    return 1 - (1 - h) ** horizon


def without(row, keys):
    h = float(row["voluntary_hazard"])
    return h * math.exp(-sum(float(row[f"term_{k}"]) for k in keys))


print(f"{'origin':<12} {'n':>6} {'leavers':>7} {'tenure':>7} {'oracle':>7} {'no unobserved':>14}")
pooled = defaultdict(list)
for origin, rows in sorted(by_origin.items()):
    labels = [r["left"] == "1" for r in rows]
    truths = [truth[(r["id"], r["as_of"])] for r in rows]
    columns = {
        "tenure": [float(r["probability"]) for r in rows],
        "oracle": [at_horizon(float(t["voluntary_hazard"])) for t in truths],
        "no unobserved": [at_horizon(without(t, ["unobserved"])) for t in truths],
    }
    figures = {name: roc_auc(labels, s) for name, s in columns.items()}
    for name, s in columns.items():
        pooled[name].append(figures[name])
    print(f"{origin:<12} {len(rows):>6} {sum(labels):>7} {figures['tenure']:>7.4f} {figures['oracle']:>7.4f} {figures['no unobserved']:>14.4f}")
means = {name: sum(v) / len(v) for name, v in pooled.items()}
print(f"{'mean':<12} {'':>6} {'':>7} {means['tenure']:>7.4f} {means['oracle']:>7.4f} {means['no unobserved']:>14.4f}")
print(f"gap to the oracle (mean of origins): {means['oracle'] - means['tenure']:.4f}")
