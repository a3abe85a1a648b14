#!/usr/bin/env bash
# Builds Tollgate if needed and runs it. Arguments go to the gateway (try --help).
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
jar=target/tollgate.jar
if [ ! -f "$jar" ] || [ -n "$(find src pom.xml -newer "$jar" -print -quit)" ]; then
  ./mvnw -q -B -DskipTests package
fi
# A class-data-sharing archive, made on the first run and reused after, halves start-up time.
# Writing it lists every class it skips as a warning at shutdown (about 45 lines): only errors are
# shown. JAVA_OPTS adds JVM options.
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
exec "$JAVA" -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=target/tollgate.jsa \
  -Xlog:cds*=error ${JAVA_OPTS:-} -jar "$jar" "$@"
