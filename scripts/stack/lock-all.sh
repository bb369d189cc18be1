#!/usr/bin/env bash
# npm run lock: writes src/generators/lib/locks/ anew. For each Django line and Python
# version (and, for Django 5.2, each beat scheduler) it generates a project with production, then locks its requirements-dev.txt and
# requirements-prod.txt with scripts/stack/pystack.py (upstream wheels of the local index,
# Debian's builds). A retired Python (3.12) is locked from metadata alone: no tier runs it.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
locks=$root/src/generators/lib/locks
cli=$root/generators/cli.js
[[ -f $cli ]] || { echo "lock: build first (npm run build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Runs the generator quietly; its output is shown if it fails.
generate() { # generate FOLDER ARGS...
  local dir=$1
  shift
  (cd "$dir" && node "$cli" "$@") >"$tmp/generate.log" 2>&1 || { cat "$tmp/generate.log" >&2; exit 1; }
}

# Each lock: its Django line, its beat scheduler, and the name of its file's variant.
for variant in 5.2:file: 5.2:database:-database-beat 6.1:file:; do
  IFS=: read -r django beat suffix <<<"$variant"
  for python in 3.13 3.14 3.12; do
    dir=$tmp/python$python-django$django$suffix
    mkdir -p "$dir"
    flags=()
    answers=(--defaults --prod --django-version "$django" --beat-scheduler "$beat")
    if [[ $python == 3.12 ]]; then
      # New projects cannot choose it: store it in a generated project and regenerate.
      generate "$dir" "${answers[@]}"
      node -e '
        const fs = require("fs"); const file = process.argv[1];
        const config = JSON.parse(fs.readFileSync(file, "utf8"));
        config["generator-django-celery"].pythonVersion = "3.12";
        fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");' "$dir/django_celery_example/.yo-rc.json"
      generate "$dir/django_celery_example"
      flags=(--metadata-only)
    else
      generate "$dir" "${answers[@]}" --python-version "$python"
    fi
    out=$locks/python$python-django$django$suffix.txt
    (cd "$dir/django_celery_example" &&
      /usr/bin/python3 "$root/scripts/stack/pystack.py" lock --python "$python" "${flags[@]}" \
        -r requirements-dev.txt -r requirements-prod.txt) >"$out.new"
    mv "$out.new" "$out"
    echo "lock: ${out#"$root"/}: $(grep -c '==' "$out") distributions"
  done
done
