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
# An archive from an older jar is refused with an error at start: it is made again instead.
if [ -f target/tollgate.jsa ] && [ target/tollgate.jsa -ot "$jar" ]; then
  rm -f target/tollgate.jsa
fi
# The heap is bounded instead of sized from the machine's RAM: under load the default G1 heap grew
# the process to about 500 MB although some 20 MB of it was live; with these the process stays near
# 200 MB (bench/rss.sh, bench/README.md). JAVA_OPTS, when set, replaces them (JAVA_OPTS="" for the
# JVM's own defaults); max_buffered_request_mb defaults to a quarter of this heap.
DEFAULT_JAVA_OPTS="-Xms64m -Xmx256m -XX:+UseSerialGC -XX:ReservedCodeCacheSize=64m -XX:MaxDirectMemorySize=128m"
# A class-data-sharing archive, made on the first run and reused after, halves start-up time.
# Writing it lists every class it skips as a warning at shutdown (about 45 lines): only errors are
# shown.
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
exec "$JAVA" -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=target/tollgate.jsa \
  -Xlog:cds*=error ${JAVA_OPTS-$DEFAULT_JAVA_OPTS} -jar "$jar" "$@"
