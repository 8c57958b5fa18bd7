#!/bin/sh
# Runs one shard of an oversell run on a batch system: the shard index comes from Kubernetes
# (JOB_COMPLETION_INDEX, an Indexed Job) or Slurm (SLURM_ARRAY_TASK_ID, a job array), both
# counted from 0. Every shard writes OUT/<slug>/shards/K-of-N.{json,csv}; when all are done,
# `oversell merge OUT/<slug>` writes the run's results, identical to a run on one machine. A
# shard carries the scenario (and a catalog scenario's catalog): merge needs neither file.
#
# Settings (environment): SCENARIO (file), TRIALS, SHARDS (N), SEED (default 2026),
# OUT (default out), OVERSELL (the binary, default: oversell on PATH).
set -eu
index="${JOB_COMPLETION_INDEX:-${SLURM_ARRAY_TASK_ID:-}}"
if [ -z "$index" ]; then
  echo "shard.sh: set JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm)" >&2
  exit 2
fi
: "${SCENARIO:?set SCENARIO to a scenario file}"
: "${TRIALS:?set TRIALS to the trials of the whole run}"
: "${SHARDS:?set SHARDS to the number of shards}"
exec "${OVERSELL:-oversell}" run "$SCENARIO" \
  --trials "$TRIALS" --seed "${SEED:-2026}" \
  --shard "$index/$SHARDS" --out "${OUT:-out}" --format json
