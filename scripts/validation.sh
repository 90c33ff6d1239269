#!/usr/bin/env bash
# Maps ResNet-18 (zoo and ONNX) and MobileNetV2 (ONNX) on every ZigZag example core and the Stream tutorial's three
# cores with `tessera map --json`, and prints one markdown table row per case (docs/validation.md).
# Usage: [CONFIG=Release] scripts/validation.sh [SHARED_DIR]   (default /work/shared; build src/Tessera.Cli in CONFIG, default Debug, first)
set -euo pipefail
shared="${1:-/work/shared}"
here="$(cd "$(dirname "$0")/.." && pwd)"
tessera=(dotnet "$here/src/Tessera.Cli/bin/${CONFIG:-Debug}/net10.0/tessera.dll")
zz="$shared/data/zigzag"
st="$shared/data/stream-tutorial/lab1/hardware/cores"
# core file | mapping file (or -) | off-chip file (or -)
cases=(
  "$zz/hardware/tpu_like.yaml|$zz/mapping/tpu_like.yaml|-"
  "$zz/hardware/edge_tpu_like.yaml|$zz/mapping/edge_tpu_like.yaml|-"
  "$zz/hardware/ascend_like.yaml|$zz/mapping/ascend_like.yaml|-"
  "$zz/hardware/meta_prototype.yaml|$zz/mapping/meta_prototype_like.yaml|-"
  "$zz/hardware/tesla_npu_like.yaml|$zz/mapping/tesla_npu_like.yaml|-"
  "$zz/hardware/generic_array_cacti.yaml|$zz/mapping/default.yaml|-"
  "$zz/hardware/eyeriss_like.yaml|-|-"
  "$zz/hardware/gemm_l1.yaml|-|-"
  "$zz/hardware/gemm_l1_l3.yaml|-|-"
  "$zz/hardware/aimc.yaml|-|-"
  "$zz/hardware/dimc.yaml|-|-"
  "$st/accelerator1.yaml|-|$st/offchip.yaml"
  "$st/accelerator2.yaml|-|$st/offchip.yaml"
  "$st/accelerator3.yaml|-|$st/offchip.yaml"
)
models=(resnet18 "$shared/data/onnx/resnet18.onnx" "$shared/data/onnx/mobilenetv2.onnx")
echo "| model | core | spatial mapping | off-chip | MACs | energy (µJ) | cycles | MAC-layer utilisation | MAC layers: compute only / with port stalls / tile load / tile offload as largest extra term |"
echo "|---|---|---|---|---|---|---|---|---|"
for m in "${models[@]}"; do
  for c in "${cases[@]}"; do
    IFS='|' read -r core mapping offchip <<<"$c"
    args=(map "$m" --core "$core" --json)
    [[ "$mapping" != "-" ]] && args+=(--mapping "$mapping")
    [[ "$offchip" != "-" ]] && args+=(--offchip "$offchip")
    "${tessera[@]}" "${args[@]}" | python3 "$here/scripts/validation_row.py" "$m" "$core" "$mapping"
  done
done
