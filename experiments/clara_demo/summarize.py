#!/usr/bin/env python3
"""The clara_demo table from a run's work folder: RAG-FiT's results YAML
(EM/F1 on the uncompressed documents) and clara-eval's results JSON per
compression rate and stage (em/f1/acc, recall@k for stage 2).
Usage: summarize.py WORK RATE [RATE ...]"""
import json
import os
import sys


def rag_fit(work, split):
    # results/<name>.yaml holds `local: {EM: x, F1: y}`; read it without a YAML library.
    path = os.path.join(work, "results", f"rag-fit-{split}.yaml")
    values = {}
    for line in open(path):
        key, _, value = line.strip().partition(":")
        if key in ("EM", "F1"):
            values[key] = float(value)
    return values


def main():
    work, rates = sys.argv[1], sys.argv[2:]
    print("| model | documents | candidates | EM | F1 | acc | recall@1 | recall@3 | recall@5 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for split, label in (("with_pos", "oracle (gold among them)"), ("no_pos", "BM25 only")):
        r = rag_fit(work, split)
        print(f"| RAG-FiT SFT, uncompressed | first 5 | {label} | {r['EM']:.3f} | {r['F1']:.3f} | | | | |")
        for cr in rates:
            for stage, docs in (("stage1_2", "first 5, compressed"), ("stage2", "top 5 of 20 by the query reasoner")):
                path = os.path.join(work, "eval", f"cr{cr}", stage, f"eval_processed_{split}.results.json")
                j = json.load(open(path))
                rec = " | ".join(f"{j[f'recall@{k}']:.3f}" if f"recall@{k}" in j else "" for k in (1, 3, 5))
                print(f"| CLaRa {stage}, CR {cr} | {docs} | {label} | {j['em']:.3f} | {j['f1']:.3f} | "
                      f"{j['acc']:.3f} | {rec} |")


if __name__ == "__main__":
    main()
