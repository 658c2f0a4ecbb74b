#!/usr/bin/env bash
# Trains into models/ only when something the model depends on changed. The model's name carries a hash
# of those inputs, so a second run finds it and skips training. models/CURRENT names the model to serve.
set -uo pipefail
cd "$(dirname "$0")/.."

# bot/core/risk/safety_answer.py holds no trained state (the action server reads it, and the risk component at run
# time), so changing it needs no new model.
inputs=(config.yml domain.yml requirements.lock scripts/train.sh $(find data bot/server/nlu bot/core/nlp bot/core/risk -type f \( -name '*.yml' -o -name '*.py' \) ! -name safety_answer.py | sort))
hash=$(cat "${inputs[@]}" | sha256sum | cut -c1-12)
name="iop-$hash"
model="models/$name.tar.gz"
mkdir -p models

# Training as repeatable as TensorFlow allows on a CPU (issue 22): oneDNN's kernels are chosen by the
# processor's instruction set at run time, so they are off; ops that have a deterministic version use it;
# thread pools are fixed, so the machine's core count does not change how sums are split. These apply to
# training only: serving keeps its own settings (scripts/run.sh).
export TF_ENABLE_ONEDNN_OPTS=0 TF_DETERMINISTIC_OPS=1 PYTHONHASHSEED=0
export TF_INTRA_OP_PARALLELISM_THREADS=2 TF_INTER_OP_PARALLELISM_THREADS=1

if [ -f "$model" ]; then
  echo "model up to date: $model"
else
  echo "training $model (data, config or the NLU code changed); on 2 cores this takes about 5 minutes (less when only the dialogue changed: cached parts are reused)"
  start=$(date +%s)
  if ! .venv/bin/rasa train --fixed-model-name "$name" --out models --quiet; then
    echo "error: training failed (see Rasa's message above). Run 'make validate' to check the training data." >&2
    exit 1
  fi
  echo "trained in $(( $(date +%s) - start )) s"
  # Keep the three newest models.
  ls -1t models/iop-*.tar.gz 2>/dev/null | tail -n +4 | xargs -r rm -f
fi
echo "$model" > models/CURRENT
