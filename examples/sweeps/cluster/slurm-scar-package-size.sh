#!/bin/bash
# examples/sweeps/scar-package-size.yaml as a Slurm array of 4 shards, then one merge that waits for them:
#   jobid=$(sbatch --parsable examples/sweeps/cluster/slurm-scar-package-size.sh)
#   sbatch --dependency=afterok:$jobid --wrap 'tessera results merge results/scar-package-size-*.db -o results/scar-package-size.db'
# Each task runs the points of its shard (--shard env/4 reads SLURM_ARRAY_TASK_ID, counted from the array's first
# index) on its CPUs and keeps them in its own store. Requeued or resubmitted, a task skips the points its store
# already holds. Run it from the repository (the spec names ../scar-scenario1.yaml); `tessera` on PATH (README).
#SBATCH --job-name=tessera-scar-package-size
#SBATCH --array=1-4
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --requeue
#SBATCH --output=results/%x-%a.log
set -euo pipefail
mkdir -p results
tessera sweep examples/sweeps/scar-package-size.yaml --shard env/4 --jobs "${SLURM_CPUS_PER_TASK:-1}" \
    --store "results/scar-package-size-${SLURM_ARRAY_TASK_ID}.db" --progress plain
