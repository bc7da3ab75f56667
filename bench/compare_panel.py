"""Python tools on tenure's rolling-origin backtest: for each origin tenure used, fit on the
person-months whose 6-month outcome was known (as-of ≤ origin − 6 months) and predict the
origin month. Data loading (the features CSV) is included in each tool's time.
Usage: compare_panel.py FEATURES.csv TENURE.json THREADS
       compare_panel.py --contrib FEATURES.csv THREADS   (scoring throughput with SHAP)"""
import json, sys, time
import numpy as np, pandas as pd


def load(path):
    f = pd.read_csv(path, low_memory=False)
    f["as_of"] = pd.to_datetime(f["as_of"])
    drop = [c for c in f.columns if not pd.api.types.is_numeric_dtype(f[c]) and c not in ("id", "as_of")]
    # High-cardinality ids (team, manager) and raw dates: tenure turns them into history
    # features; as raw categories they only overfit. Department-like columns stay as category.
    keep_cat = [c for c in drop if f[c].nunique() <= 30]
    for c in keep_cat:
        f[c] = f[c].astype("category")
    f = f.drop(columns=[c for c in drop if c not in keep_cat])
    return f


def windows(f, origins):
    months = sorted(f["as_of"].unique())
    for origin in origins:
        o = pd.Timestamp(origin)
        pos = months.index(o)
        train = f[(f["as_of"] <= months[pos - 6]) & f["label"].notna()]
        test = f[(f["as_of"] == o) & f["label"].notna()]
        yield train, test


def tools(threads):
    import lightgbm as lgb, xgboost as xgb
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import StandardScaler
    return {
        "lightgbm": lambda: lgb.LGBMClassifier(n_jobs=threads, verbose=-1),
        "xgboost": lambda: xgb.XGBClassifier(n_jobs=threads, enable_categorical=True, tree_method="hist"),
        "sklearn_histgb": lambda: HistGradientBoostingClassifier(categorical_features="from_dtype"),
        "sklearn_logistic": lambda: make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=1000)),
    }


def backtest(features, tenure_json, threads):
    from sklearn.metrics import roc_auc_score
    origins = [o["as_of"] for o in json.load(open(tenure_json))["origins"]]
    for name, make in tools(threads).items():
        start = time.time()
        f = load(features)
        x_cols = [c for c in f.columns if c not in ("id", "as_of", "label")]
        if name == "sklearn_logistic":
            x_cols = [c for c in x_cols if str(f[c].dtype) != "category"]
        aucs, labels, scores = [], [], []
        for train, test in windows(f, origins):
            seen = [c for c in x_cols if train[c].notna().any()]  # a 12-month change is all gaps early on
            model = make().fit(train[seen], train["label"].astype(int))
            p = model.predict_proba(test[seen])[:, 1]
            y = test["label"].astype(int).to_numpy()
            aucs.append(roc_auc_score(y, p))
            labels.extend(y)
            scores.extend(p)
        seconds = time.time() - start
        print(json.dumps({"tool": name, "roc_auc_mean": float(np.mean(aucs)), "roc_auc_pooled": roc_auc_score(labels, scores), "seconds": seconds}), flush=True)


def contrib(features, threads):
    import lightgbm as lgb
    f = load(features)
    x_cols = [c for c in f.columns if c not in ("id", "as_of", "label")]
    known = f[f["label"].notna()]
    model = lgb.LGBMClassifier(n_jobs=threads, verbose=-1).fit(known[x_cols], known["label"].astype(int))
    latest = f[f["as_of"] == f["as_of"].max()][x_cols]
    start = time.time()
    model.booster_.predict(latest, pred_contrib=True)
    seconds = time.time() - start
    print(json.dumps({"rows": len(latest), "seconds": seconds, "rows_per_second": len(latest) / seconds}))


if __name__ == "__main__":
    if sys.argv[1] == "--contrib":
        contrib(sys.argv[2], int(sys.argv[3]))
    else:
        backtest(sys.argv[1], sys.argv[2], int(sys.argv[3]))
