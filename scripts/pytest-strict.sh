#!/usr/bin/env bash
# Run pytest and treat "no tests collected" (exit 5) as a failure, not a silent pass.
"$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$code"
