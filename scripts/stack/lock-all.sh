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

# The locks to make, as src/generators/lib/values/locks.ts lists them: Python, Django line, beat
# scheduler, file name, and whether that Python is retired.
keys=$(cd "$root" && node --import tsx/esm --input-type=module -e '
  const { lockFileName, lockKeys } = await import("./src/generators/lib/values/locks.ts");
  const { RETIRED_PYTHON_VERSIONS } = await import("./src/generators/lib/values/versions.ts");
  for (const key of lockKeys())
    console.log(key.python, key.django, key.beat, lockFileName(key), Object.hasOwn(RETIRED_PYTHON_VERSIONS, key.python));')
while read -r python django beat file retired; do
  dir=$tmp/${file%.txt}
  mkdir -p "$dir"
  flags=()
  answers=(--defaults --prod --django-version "$django" --beat-scheduler "$beat")
  if [[ $retired == true ]]; then
    # New projects cannot choose it: store it in a generated project and regenerate.
    generate "$dir" "${answers[@]}"
    node -e '
      const fs = require("fs"); const [file, python] = process.argv.slice(1);
      const config = JSON.parse(fs.readFileSync(file, "utf8"));
      config["generator-django-celery"].pythonVersion = python;
      fs.writeFileSync(file, JSON.stringify(config, null, 2) + "\n");' "$dir/django_celery_example/.yo-rc.json" "$python"
    generate "$dir/django_celery_example"
    flags=(--metadata-only)
  else
    generate "$dir" "${answers[@]}" --python-version "$python"
  fi
  out=$locks/$file
  (cd "$dir/django_celery_example" &&
    /usr/bin/python3 "$root/scripts/stack/pystack.py" lock --python "$python" "${flags[@]}" \
      -r requirements-dev.txt -r requirements-prod.txt) >"$out.new"
  mv "$out.new" "$out"
  echo "lock: ${out#"$root"/}: $(grep -c '==' "$out") distributions"
done <<<"$keys"
