"""The demo's table: val mse / r2 / ece of each model (eval/<mode>/eval_metrics.json)
against the constant-mean predictor, which predicts the training labels' mean
(dataset means weighted 0.5 / 0.25 / 0.25, what an MSE-trained constant converges
to under the mixture sampler) for every step of the same test steps."""
import json
import math
import sys
from pathlib import Path

data, evals = Path(sys.argv[1]), Path(sys.argv[2])


def prm_labels(path):
    out = []
    for line in path.read_text().splitlines():
        for s in json.loads(line)["label"]["steps"]:
            out.append({1: 1.0, 0: 0.5, -1: 0.0}[s["completions"][s["chosen_completion"]]["rating"]])
    return out


def reveal_labels(path):
    m = {"Fully": 1.0, "Partially": 0.5, "Unsupported": 0.25, "Contradictory": 0.0}
    return [m.get(json.loads(l)["attribution_label"], 0.25) for l in path.read_text().splitlines()]


def eqasc_labels(path):
    return [min(1.0, max(0.0, (f["score"] - 10) / 78)) for item in json.loads(path.read_text())
            for c in item["question"]["choices"] for chain in c["chains"] for f in chain]


means = {"prm800k": prm_labels(data / "prm800k/phase2_train.jsonl"),
         "reveal": reveal_labels(data / "reveal/eval.json"),
         "eqasc": eqasc_labels(data / "eqasc/eqasc_train_grc.json")}
weights = {"prm800k": 0.5, "reveal": 0.25, "eqasc": 0.25}
constant = sum(weights[k] * sum(v) / len(v) for k, v in means.items())


def metrics(p, y):
    n = len(y)
    mse = sum((a - b) ** 2 for a, b in zip(p, y)) / n
    ybar = sum(y) / n
    ss = sum((b - ybar) ** 2 for b in y)
    r2 = 1 - mse * n / ss if ss else 0.0
    ece = 0.0
    for i in range(10):
        lo, up = i * 0.1, i * 0.1 + 0.1
        lo = min(lo, (i - 1) * 0.1 + 0.1) if i else lo
        idx = [k for k, a in enumerate(p) if a >= lo and (a <= up if i == 9 else a < up)]
        if idx:
            ece += len(idx) / n * abs(sum(p[k] for k in idx) / len(idx) - sum(y[k] for k in idx) / len(idx))
    return mse, r2, ece


rows = []
for mode in ("full", "lora"):
    preds = json.loads((evals / mode / "predictions.json").read_text())
    m = json.loads((evals / mode / "eval_metrics.json").read_text())
    y = [r["label"] for r in preds]
    if not rows:
        c = metrics([constant] * len(y), y)
        rows.append(("constant mean (%.4f)" % constant, c, len(y)))
        for src in ("prm800k", "reveal", "eqasc"):
            ys = [r["label"] for r in preds if r["source"] == src]
            rows.append(("  constant, %s" % src, metrics([constant] * len(ys), ys), len(ys)))
    o = m["overall"]
    rows.append(("%s fine-tuning" % ("full" if mode == "full" else "LoRA"), (o["mse"], o["r2"], o["ece"]), o["n_samples"]))
    for src in ("prm800k", "reveal", "eqasc"):
        d = m["per_dataset"][src]
        rows.append(("  %s, %s" % (mode, src), (d["mse"], d["r2"], d["ece"]), d["n_samples"]))

print("| predictor | val mse | val r2 | val ece | steps |")
print("|---|---|---|---|---|")
for name, (mse, r2, ece), n in rows:
    print("| %s | %.4f | %.4f | %.4f | %d |" % (name, mse, r2, ece, n))
