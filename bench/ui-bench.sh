#!/usr/bin/env bash
# Times each admin UI page against 10,000 keys and 1,000,000 spend records in SQLite.
# Usage: bench/ui-bench.sh [keys] [spend records] [repeats per page] [only these pages, comma-separated]
# Defaults: 10000 keys, 1000000 spend records, 10 repeats, every page.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
./mvnw -q -B test-compile -Dspotless.check.skip=true
./mvnw -q -B dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dslf4j.internal.verbosity=WARN \
  -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  dev.tollgate.store.UiBench "$@"
