"""One markdown row of docs/validation.md from `tessera map --json` on stdin; argv: model, core, mapping (or -)."""
import json
import os
import sys

r = json.load(sys.stdin)
model, core, mapping = sys.argv[1], sys.argv[2], sys.argv[3]
mac = [l for l in r["layers"] if l["macs"] > 0]


def bound(key):
    return sum(1 for l in mac if key in l["cost"]["boundBy"])


spatial = os.path.basename(mapping) if mapping != "-" else "inferred"
print("| {} | {} | {} | {} | {:.1f} M | {:.1f} | {:.4g} | {:.1f} % | {} / {} / {} / {} |".format(
    os.path.basename(model), os.path.basename(core), spatial, r["offChip"], r["totalMacs"] / 1e6,
    r["totalEnergyPj"] / 1e6, r["totalCycles"], 100 * r["macUtilisation"],
    sum(1 for l in mac if l["cost"]["boundBy"] == "compute"), bound("stalls"), bound("tile load"), bound("tile offload")))
