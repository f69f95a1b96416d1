#!/usr/bin/env bash
# make fuzz: runs the libFuzzer target (built by the Makefile) on the config parser for
# FUZZ_SECONDS seconds. Seeds: keepalived's samples, our sample and Fuzz/regressions/ (inputs
# that once crashed the parser). New interesting inputs go to fuzz-out/corpus (kept between
# runs), crashes to fuzz-out/artifacts/. On a crash, the input is replayed once more and the
# stack printed with Swift names.
#
#   scripts/fuzz.sh FUZZER SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."

fuzzer=$1 seconds=${2:-60}
out=fuzz-out
mkdir -p "$out/corpus" "$out/seeds" "$out/artifacts"
cp etc/keepalived.conf.sample "$out/seeds/repo-keepalived.conf.sample"
for f in /usr/share/doc/keepalived/samples/keepalived.conf.* /etc/keepalived/keepalived.conf.sample; do
    if [[ -f $f && $f != *.gz ]]; then cp "$f" "$out/seeds/debian-$(basename "$f")"; fi
done
cp Fuzz/regressions/* "$out/seeds/" 2>/dev/null || true

# Swift's own crash reporter trips AddressSanitizer; let libFuzzer report crashes instead.
export SWIFT_BACKTRACE=enable=no
status=0
"$fuzzer" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -dict=Fuzz/keepalived.dict -artifact_prefix="$out/artifacts/" -print_final_stats=1 \
    "$out/corpus" "$out/seeds" || status=$?

if [[ $status -ne 0 ]]; then
    crash=$(ls -t "$out"/artifacts/* 2>/dev/null | head -1 || true)
    if [[ -n $crash ]]; then
        echo
        echo "== fuzz: the parser failed on $crash ($(wc -c < "$crash") bytes); replaying it:"
        "$fuzzer" "$crash" 2>&1 | swift demangle --simplified | grep -E '^\s+#[0-9]+ .* in ' | head -25 || true
        echo "== minimise with: SWIFT_BACKTRACE=enable=no $fuzzer -minimize_crash=1 -max_total_time=60 $crash"
        echo "== then add the input to Fuzz/regressions/ once fixed"
    fi
    exit "$status"
fi
echo "fuzz: no crash in ${seconds}s; corpus: $(ls "$out/corpus" | wc -l) inputs in $out/corpus"
