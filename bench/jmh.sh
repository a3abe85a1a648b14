#!/usr/bin/env bash
# JMH benchmarks of the hot paths (request parsing and rewriting, SSE framing, cost, one
# request's budget admission and settlement).
# Usage: bench/jmh.sh [JMH options, e.g. -f 1 -wi 2 -i 3 RequestPathBench]
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
./mvnw -q -B -DskipTests package
./mvnw -q -B -f bench/jmh/pom.xml package
cp="bench/jmh/target/classes:target/tollgate.jar:$(cat bench/jmh/target/classpath.txt)"
exec "$JAVA_HOME/bin/java" -cp "$cp" org.openjdk.jmh.Main "$@"
