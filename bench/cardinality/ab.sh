#!/usr/bin/env bash
# Tag cardinality, two builds side by side (issue 22 item 2): the tag_values
# plugin (pacing 0, tags: [name]) at VALUES distinct values and USERS users
# for SECONDS_RUN (5) s, a fresh golo-host per run, the arms alternating
# REPS times. Each arm is NAME:SETTINGS, SETTINGS comma-separated: BIN=
# (golo-host) and CLI= (golo) pick another build's binaries, anything else
# is put in golo-host's environment. Prints per run: it/s, iterations per
# worker CPU-second, the worker's and the CLI's CPU seconds, the worker's
# VmHWM. Compare 1,000 values with 1 value within an arm and repetition.
#
#   ARMS="main:BIN=/path/golo-host,CLI=/path/golo new:X=0" REPS=3 \
#     VALUES="1 1000" USERS=50 bench/cardinality/ab.sh
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
# Page faults a live process has taken so far (minor: first touches).
minflt() { awk '{ sub(/^.*\) /, ""); print $8 }' "/proc/$1/stat"; }
seconds=${SECONDS_RUN:-5}
plugin=$build/test-plugins/tag_values.so
for r in $(seq "${REPS:-3}"); do
  for arm in ${ARMS:-this:X=0}; do
    name=${arm%%:*}; envs=${arm#*:}
    for v in ${VALUES:-1 1000}; do
      for u in ${USERS:-50}; do
        d="$work/c$RANDOM"; mkdir -p "$d"; cp "$plugin" "$d/"
        echo "values = $v" >"$d/tag_values.conf"
        bin=$golo_host; [[ $envs == *BIN=* ]] && bin=$(sed 's/.*BIN=\([^,]*\).*/\1/' <<<"$envs")
        cli=$golo_cli; [[ $envs == *CLI=* ]] && cli=$(sed 's/.*CLI=\([^,]*\).*/\1/' <<<"$envs")
        env ${envs//,/ } "$bin" --listen 127.0.0.1:0 --plugins "$d" --log-level warn >"$d.port" 2>"$d.log" &
        hp=$!
        for _ in $(seq 200); do grep -q "listening on port" "$d.port" 2>/dev/null && break; sleep 0.05; done
        addr="127.0.0.1:$(sed -n 's/listening on port //p' "$d.port")"
        wp=$(pgrep -P "$hp" | head -1)
        write_schedule "$work/s.yaml" tag_values "$u" 0 "${seconds}s"
        echo "  tags: [name]" >>"$work/s.yaml"
        c0=$(cpu_s "$wp"); f0=$(minflt "$wp")
        /usr/bin/time -f "%U %S" -o "$work/cli.time" "$cli" run "$work/s.yaml" --host "$addr" --out "$work/r.json" --quiet >/dev/null || true
        c1=$(cpu_s "$wp"); f1=$(minflt "$wp")
        hwm=$(vm_kib "$wp" VmHWM)
        kill "$hp"; wait "$hp" 2>/dev/null || true
        it=$(jq -r .total.iterations "$work/r.json"); rate=$(jq -r .total.rate "$work/r.json")
        cli=$(awk '{print $1+$2}' "$work/cli.time")
        echo "$name v$v u$u rate $(printf %.0f "$rate") it_per_wcpu $(awk -v i="$it" -v a="$c0" -v b="$c1" 'BEGIN{printf "%.0f", i/(b-a)}') wcpu $(awk -v a="$c0" -v b="$c1" 'BEGIN{print b-a}') clicpu $cli hwm_mb $((hwm/1024)) faults $((f1-f0)) load $(cut -d' ' -f1 /proc/loadavg)"
      done
    done
  done
done
