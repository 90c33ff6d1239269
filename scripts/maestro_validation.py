#!/usr/bin/env python3
"""Tessera's MAESTRO models against MAESTRO's reference outputs, layer by layer (docs/validation.md, MAESTRO section).

usage: scripts/maestro_validation.py SHARED [TESSERA...]
  SHARED   the folder holding data/maestro (e.g. /work/shared)
  TESSERA  how to run tessera (default: dotnet src/Tessera.Cli/bin/Debug/net10.0/tessera.dll)

Runs `tessera map FILE.m --cost-model {maestro-upstream,maestro} --num-pes 256 --noc-bw 256 --json` on every
reference mapping file and prints, per model, the distribution of the per-layer differences and the worst layers.
"""
import csv, json, subprocess, sys
from collections import OrderedDict

shared = sys.argv[1]
tessera = sys.argv[2:] or ["dotnet", "src/Tessera.Cli/bin/Debug/net10.0/tessera.dll"]
base = f"{shared}/data/maestro"
rows = list(csv.DictReader(open(f"{base}/results-pe256-bw256.csv")))
files = OrderedDict()
for r in rows:
    files.setdefault((r["model"], r["dataflow"]), []).append(r)


def pct(x):
    return f"{100 * x:+.2f} %"


for model in ["maestro-upstream", "maestro"]:
    diffs = []
    totals = []
    for (name, dataflow), ref in files.items():
        out = subprocess.run(tessera + ["map", f"{base}/mappings/{name}__{dataflow}.m", "--cost-model", model,
                                        "--num-pes", "256", "--noc-bw", "256", "--json"], capture_output=True, text=True, check=True)
        layers = json.loads(out.stdout)["layers"]
        assert [l["name"] for l in layers] == [r["layer"] for r in ref]
        totals.append((name, dataflow, sum(l["cycles"] for l in layers) / sum(int(r["runtime_cycles"]) for r in ref) - 1,
                       sum(l["energyMacUnits"] for l in layers) / sum(float(r["energy_mac_units"]) for r in ref) - 1))
        for r, l in zip(ref, layers):
            cycles = l["cycles"] / int(r["runtime_cycles"]) - 1
            energy = l["energyMacUnits"] / float(r["energy_mac_units"]) - 1
            macs_vs_maestro = l["macs"] / int(r["macs_maestro"]) - 1
            macs_true = l["macs"] == int(r["macs_true"])
            diffs.append((name, dataflow, r["layer"], int(r["stride"]), int(r["R"]), cycles, energy, macs_vs_maestro, macs_true))
    print(f"## {model}: {len(diffs)} layers")
    exact = sum(1 for d in diffs if d[5] == 0 and abs(d[6]) < 1e-5 and d[7] == 0)
    print(f"cycles, MACs and energy (6 digits) equal to MAESTRO: {exact}; true MACs: {sum(d[8] for d in diffs)}")
    for label, part in [("stride 1", [d for d in diffs if d[3] == 1]), ("stride 2", [d for d in diffs if d[3] > 1])]:
        if not part:
            continue
        c = sorted(d[5] for d in part)
        e = sorted(d[6] for d in part)
        print(f"{label}: {len(part)} layers; cycles min {pct(c[0])} median {pct(c[len(c) // 2])} max {pct(c[-1])}, "
              f"{sum(1 for x in c if x == 0)} equal; energy min {pct(e[0])} median {pct(e[len(e) // 2])} max {pct(e[-1])}")
    bins = [(0, 1e-5, "equal (< 0.001 %)"), (1e-5, 0.01, "< 1 %"), (0.01, 0.1, "1–10 %"), (0.1, 0.3, "10–30 %"), (0.3, 0.5, "30–50 %"), (0.5, 9, "> 50 %")]
    for what, k in [("cycles", 5), ("energy", 6)]:
        print(f"{what} |error| distribution: " + ", ".join(f"{label} {sum(1 for d in diffs if lo <= abs(d[k]) < hi)}" for lo, hi, label in bins))
    print("per file, all layers: " + "; ".join(f"{t[0]} {t[1]} cycles {pct(t[2])} energy {pct(t[3])}" for t in totals))
    print("worst layers (cycles, then energy):")
    for d in sorted(diffs, key=lambda d: (-abs(d[5]), -abs(d[6])))[:8]:
        print(f"  {d[0]} {d[1]} {d[2]} (stride {d[3]}, R {d[4]}): cycles {pct(d[5])}, energy {pct(d[6])}, MACs vs MAESTRO {pct(d[7])}")
    print()
