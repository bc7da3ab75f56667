"""Runs the tools a data scientist would reach for on the IBM attrition data (or another
one-row-per-person export: its target, positive value and columns to drop given after the
thread count), over the folds tenure used (bench/compare_ibm.sh passes them), and prints one
JSON line per tool.

Each tool: default settings, every column but the id, the constants and the protected
attributes as features, plain fit-and-predict per fold; wall time includes loading the CSV.
Threads are set explicitly to the given count (oversubscribed OpenMP threads spin)."""
import json
import sys
import time

START = time.perf_counter()
import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, roc_auc_score

data_path, folds_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
TARGET, POSITIVE = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else ("Attrition", "Yes")
DROP = sys.argv[6].split(",") if len(sys.argv) > 6 else [
    "EmployeeNumber", "EmployeeCount", "Over18", "StandardHours", "Gender", "Age", "MaritalStatus"]
DROP = DROP + [TARGET]


def load():
    frame = pd.read_csv(data_path)
    y = (frame[TARGET].astype(str) == POSITIVE).to_numpy().astype(int)
    x = frame.drop(columns=DROP)
    folds = pd.read_csv(folds_path).sort_values("row")["fold"].to_numpy()
    return x, y, folds


def logistic():
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def build(x):
        categorical = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
        numeric = [c for c in x.columns if c not in categorical]
        # Missing numbers (a rating not yet given) take the median, as a data scientist would.
        scale = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        encode = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), categorical), (scale, numeric))
        return make_pipeline(encode, LogisticRegression(max_iter=5000))

    return build


def lightgbm():
    import lightgbm as lgb

    return lambda x: lgb.LGBMClassifier(num_threads=threads, verbose=-1)


def xgboost():
    import xgboost as xgb

    return lambda x: xgb.XGBClassifier(n_jobs=threads, enable_categorical=True, tree_method="hist")


def hist_gradient_boosting():
    from sklearn.ensemble import HistGradientBoostingClassifier

    return lambda x: HistGradientBoostingClassifier(categorical_features="from_dtype")


def run(name, factory):
    started = time.perf_counter()
    x, y, folds = load()
    if name != "sklearn_logistic":
        for c in x.columns:
            if not pd.api.types.is_numeric_dtype(x[c]):
                x[c] = x[c].astype("category")
                # scikit-learn's trees take at most 255 categories: more become their codes.
                if name == "sklearn_hist_gradient_boosting" and len(x[c].cat.categories) > 255:
                    x[c] = x[c].cat.codes
    build = factory()
    aucs, briers = [], []
    for fold in sorted(set(folds)):
        train, test = folds != fold, folds == fold
        model = build(x)
        model.fit(x[train], y[train])
        p = model.predict_proba(x[test])[:, 1]
        aucs.append(roc_auc_score(y[test], p))
        briers.append(brier_score_loss(y[test], p) * test.sum())
    print(json.dumps({"tool": name, "roc_auc": float(np.mean(aucs)), "brier": float(sum(briers) / len(y)), "seconds": time.perf_counter() - started}))


for name, factory in [("sklearn_logistic", logistic), ("lightgbm", lightgbm), ("xgboost", xgboost), ("sklearn_hist_gradient_boosting", hist_gradient_boosting)]:
    run(name, factory)
