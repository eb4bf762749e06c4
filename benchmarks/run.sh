#!/usr/bin/env bash
# Runs the benchmarks of docs/BENCHMARKS.md. The library must be installed first (from the repository root:
# mvn -B install -DskipTests). Usage:
#   benchmarks/run.sh smoke                  every benchmark once, tiny (what CI runs); asserts nothing about time
#   benchmarks/run.sh lookup|keyof|storeops|memory|fanout|stalled|cluster|resume|storm|metrics|capacity [extra args]
#   benchmarks/run.sh report                 tables.md and charts from the results
#   benchmarks/run.sh all                    everything above but smoke, then the report
# Results go to $RESULTS (default benchmarks/target/results), charts to $CHARTS (default: $RESULTS).
set -euo pipefail
cd "$(dirname "$0")"
SELF=$(basename "$0")

RESULTS=${RESULTS:-target/results}
CHARTS=${CHARTS:-$RESULTS}
mkdir -p "$RESULTS"
CP="target/classes:target/lib/*"
JMH=(java -cp "$CP" org.openjdk.jmh.Main)

# Fan-out holds two sockets per client in one process: 5,000 clients need over 10,000 descriptors.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

build() {
  mvn -q -B package
}

# Sample mode everywhere: the tables report medians (p0.50), which bursts of host steal time do not move.
lookup() {
  "${JMH[@]}" LookupBenchmark -p impl=sfere-memory,seed-scan -f 1 -wi 1 -w 1s -i 3 -r 1s \
    -rf csv -rff "$RESULTS/lookup.csv" "$@"
  "${JMH[@]}" 'LookupBenchmark.keys' -p impl=sfere-caffeine -f 1 -wi 1 -w 1s -i 3 -r 1s \
    -rf csv -rff "$RESULTS/lookup-caffeine.csv" "$@"
}

keyof() {
  "${JMH[@]}" KeyOfBenchmark -f 1 -wi 1 -w 1s -i 3 -r 1s -rf csv -rff "$RESULTS/keyof.csv" "$@"
}

storeops() {
  "${JMH[@]}" StoreOpsBenchmark -t 1 -f 1 -wi 2 -w 1s -i 3 -r 1s -rf csv -rff "$RESULTS/storeops-t1.csv" "$@"
  "${JMH[@]}" StoreOpsBenchmark -t 2 -f 1 -wi 2 -w 1s -i 3 -r 1s -rf csv -rff "$RESULTS/storeops-t2.csv" "$@"
}

memory() {
  [ $# -gt 0 ] || set -- 100000 1000000
  java -XX:+UseSerialGC -Xmx6g -cp "$CP" dev.sfere.bench.MemoryFootprint "$RESULTS" "$@"
}

fanout() {
  java -Xms2g -Xmx2g -cp "$CP" dev.sfere.bench.fanout.FanOut --out="$RESULTS" "$@"
}

# The slow-client benchmark of issues 4 and 17: delivery to 1,000 readers with and without clients that never read
# (one, or --stalled=N). 3 GiB: each stalled client pins about 1 MB of heap in Grizzly's write queue (some 128
# queued writes, each holding an 8 KiB array for a 1 KB event) until it is dropped, so 1,000 of them need over 1 GiB.
stalled() {
  java -Xms3g -Xmx3g -cp "$CP" dev.sfere.bench.fanout.StalledClient --out="$RESULTS" "$@"
}

# What the NATS hop adds (issue 6). Needs nats-server (Debian: apt-get install -y nats-server); starts and stops
# its own on a free port.
cluster() {
  java -cp "$CP" dev.sfere.bench.ClusterLatency "$RESULTS" "$@"
}

# Issues 18 and 22: one resume against the history's size (JMH), the heap a retained event costs, and the resume
# storm over HTTP, 5,000 then 15,000 clients (the server in this JVM, one descriptor a stream; the clients in JVMs of
# their own). Extra arguments go to the storm (--clients=15000 --trials=5 --profile=15000, say).
resume() {
  "${JMH[@]}" ResumeBenchmark -f 1 -wi 1 -w 1s -i 3 -r 1s -rf csv -rff "$RESULTS/resume.csv"
  java -XX:+UseSerialGC -Xmx3g -cp "$CP" dev.sfere.bench.HistoryFootprint "$RESULTS" 10000 100000
  storm "$@"
}

# The storm alone (benchmarks/run.sh storm --clients=5000), without the two measurements before it.
storm() {
  java -Xms3g -Xmx3g -cp "$CP" dev.sfere.bench.fanout.ResumeStorm --out="$RESULTS" "$@"
}

# Issue 20: the sfere fan-out with the library's OpenTelemetry metrics off and on, in pairs of JVMs whose order
# alternates; on ÷ off in metrics.csv. Extra arguments go to MetricsCost (--clients=1000 --pairs=4, say).
metrics() {
  java -cp "$CP" dev.sfere.bench.fanout.MetricsCost --clients=1000,5000 --pairs=4 --out="$RESULTS" "$@"
}

# Issue 22: the streams one Jersey/Grizzly instance holds, Sfere's beside sinks in a map, stepped up to 19,000 (each
# server is a JVM of its own, its clients in others: one process may hold 20,000 descriptors). About 10 minutes.
# Extra arguments go to Capacity (--steps=1000,2000, say).
capacity() {
  java -Xmx256m -cp "$CP" dev.sfere.bench.fanout.Capacity --out="$RESULTS" "$@"
}

report() {
  java -Djava.awt.headless=true -cp "$CP" dev.sfere.bench.report.Report "$RESULTS" "$CHARTS"
}

smoke() {
  java -Xmx1g -cp "$CP" dev.sfere.bench.Smoke "${RESULTS%/results}/smoke"
}

what=${1:-}
[ $# -gt 0 ] && shift
case "$what" in
  smoke) build; smoke ;;
  lookup|keyof|storeops|memory|fanout|stalled|cluster|resume|storm|metrics|capacity) build; "$what" "$@" ;;
  report) build; report ;;
  all) build; lookup; keyof; storeops; memory; fanout; stalled; cluster; resume; metrics; capacity; report ;;
  *) sed -n '2,8p' "$SELF"; exit 2 ;;
esac
