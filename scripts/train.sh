#!/usr/bin/env bash
# Trains into models/ only when something the model depends on changed. The model's name carries a hash
# of those inputs, so a second run finds it and skips training. models/CURRENT names the model to serve.
set -uo pipefail
cd "$(dirname "$0")/.."

inputs=(config.yml domain.yml requirements.lock $(find data bot/nlu bot/risk -type f \( -name '*.yml' -o -name '*.py' \) | sort))
hash=$(cat "${inputs[@]}" | sha256sum | cut -c1-12)
name="iop-$hash"
model="models/$name.tar.gz"
mkdir -p models

if [ -f "$model" ]; then
  echo "model up to date: $model"
else
  echo "training $model (data, config or the NLU code changed)"
  if ! .venv/bin/rasa train --fixed-model-name "$name" --out models --quiet; then
    echo "error: training failed (see Rasa's message above). Run 'make validate' to check the training data." >&2
    exit 1
  fi
  # Keep the three newest models.
  ls -1t models/iop-*.tar.gz 2>/dev/null | tail -n +4 | xargs -r rm -f
fi
echo "$model" > models/CURRENT
