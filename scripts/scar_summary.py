#!/usr/bin/env python3
"""Summarises SCAR experiment results (`tessera experiment scar-datacenter|scar-arvr|interlayer ... --json --out FILE`)
as the markdown tables of docs/experiments.md: per scenario (interlayer: per workload) and run, the strategies ordered
by EDP and the best heterogeneous ÷ best homogeneous EDP ratio (per package size; interlayer's monolithic chip and
2×2 homogeneous packages count as homogeneous).
Usage: scripts/scar_summary.py LABEL=FILE.json [LABEL=FILE.json ...]"""
import json
import math
import sys


def ratio(cells):
    het = [c["edp"] for c in cells if c["feasible"] and "-het" in c["package"]]
    hom = [c["edp"] for c in cells if c["feasible"] and "-het" not in c["package"]]
    return min(het) / min(hom) if het and hom else float("nan")


def shown(value):
    return "— (no feasible cell on one side)" if math.isnan(value) else f"{value:.3f}"


def label(c):
    return f'{c["layout"]} {c["strategy"]}'


def cells_of(result):
    if "cells" in result:
        return result["cells"]
    return [{"scenario": r["workload"], "package": r["hardware"], "layout": r["hardware"], "strategy": r["partition"],
             "feasible": True, "edp": r["latencySeconds"] * r["energyJ"]} for r in result["rows"]]


def main(args):
    runs = [(a.split("=", 1)[0], json.load(open(a.split("=", 1)[1], encoding="utf-8"))) for a in args]
    for _, r in runs:
        r["cells"] = cells_of(r)
    scenarios = list(dict.fromkeys(c["scenario"] for _, r in runs for c in r["cells"]))
    print("| scenario | run | best het ÷ best homog. EDP | 6×6 | strategies by EDP (lowest first; EDP in J·s) |")
    print("|---|---|---|---|---|")
    for s in scenarios:
        for name, r in runs:
            cells = [c for c in r["cells"] if c["scenario"] == s]
            small = [c for c in cells if "6x6" not in c["package"]]
            large = [c for c in cells if "6x6" in c["package"]]
            order = sorted((c for c in small if c["feasible"]), key=lambda c: c["edp"])
            text = " < ".join(f'{label(c)} {c["edp"]:.4g}' for c in order)
            big = shown(ratio(large)) if large else "—"
            print(f"| {s} | {name} | {shown(ratio(small))} | {big} | {text} |")


if __name__ == "__main__":
    main(sys.argv[1:])
