#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer, both shipped with the Swift toolchain) of the HTTP/1.1
# request parser and the JSON scanner. Usage: scripts/fuzz.sh [seconds per target, default 60]
# Crashes are written to .build-fuzz/<target>/crash-*; the seed corpora live in Tests/Fuzz/corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=.build-fuzz
mkdir -p "$out"
build() {  # name, sources… (compiled from a snapshot so edits during the build cannot break it)
    local name=$1; shift
    rm -rf "$out/src-$name"; mkdir -p "$out/src-$name"; cp "$@" "$out/src-$name/"
    set -- "$out/src-$name"/*.swift
    if ! swiftc -O -sanitize=fuzzer,address -parse-as-library -package-name switchyard -module-name "$name" "$@" -o "$out/$name.bin" 2>"$out/$name.log"; then
        cat "$out/$name.log" >&2
        exit 1
    fi
}
build HTTPFuzz Tests/Fuzz/HTTPRequestParserFuzzer.swift Sources/SwitchyardHTTP/{InputBuffer,HTTPHeaders,HTTPRequest,HTTPParseError,HTTPRequestParser}.swift
build JSONFuzz Tests/Fuzz/JSONScannerFuzzer.swift Sources/SwitchyardCore/{JSONScanner,JSONWriter,ByteSplice}.swift
for target in HTTPFuzz:http JSONFuzz:json; do
    name=${target%%:*}; seeds=${target##*:}
    mkdir -p "$out/$name/corpus"
    cp -n Tests/Fuzz/corpus/"$seeds"/* "$out/$name/corpus/" 2>/dev/null || true
    echo "fuzzing $name for ${seconds}s"
    (cd "$out/$name" && "../$name.bin" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 corpus 2>&1 | grep -E "^(#[0-9]+ +DONE|Done|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)" )
done
