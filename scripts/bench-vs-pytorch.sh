#!/bin/sh
# Ours (Node + Dawn, whatever adapter it finds) and PyTorch eager on the CPU with the same thread
# count, ms/step of the default and S5 models at batch 128 and 512, one after the other in one run;
# writes OUT (default docs/bench/vs-pytorch.json) with both engines' rows side by side.
#   scripts/bench-vs-pytorch.sh [OUT]      (THREADS=2 STEPS=3 WARMUP=1 by default)
set -e
OUT=${1:-docs/bench/vs-pytorch.json}
THREADS=${THREADS:-2}
STEPS=${STEPS:-3}
WARMUP=${WARMUP:-1}
TMP=$(mktemp -d)
npm run -s build:node
for m in mnist-default s5; do
  LP_NUM_THREADS=$THREADS node dist-node/bench.js --model src/models/$m.json --batches 128,512 --steps "$STEPS" --warmup "$WARMUP" --json "$TMP/ours-$m.json"
  /usr/bin/python3 scripts/bench_pytorch.py --spec src/models/$m.json --batches 128,512 --steps 20 --warmup 3 --threads "$THREADS" --json "$TMP/torch-$m.json"
done
/usr/bin/python3 - "$TMP" "$OUT" <<'PY'
import json, sys
tmp, out = sys.argv[1], sys.argv[2]
rows = []
for m in ("mnist-default", "s5"):
    ours = json.load(open("%s/ours-%s.json" % (tmp, m)))
    torch = json.load(open("%s/torch-%s.json" % (tmp, m)))
    for o in [r for r in ours["results"] if "batch" in r]:
        t = next(r for r in torch["results"] if r["batch"] == o["batch"])
        rows.append({"model": m, "batch": o["batch"], "oursMsPerStep": o["msPerStep"], "pytorchMsPerStep": t["msPerStep"],
                     "oursOverPytorch": o["msPerStep"] / t["msPerStep"]})
        print("%-14s batch %4d  ours %10.1f ms/step  PyTorch %8.1f ms/step  ours/PyTorch %.1fx" % (m, o["batch"], o["msPerStep"], t["msPerStep"], rows[-1]["oursOverPytorch"]))
    last = (ours, torch)
json.dump({"rows": rows, "ours": {k: v for k, v in last[0].items() if k != "results"}, "pytorch": {k: v for k, v in last[1].items() if k != "results"},
           "raw": {m: {"ours": json.load(open("%s/ours-%s.json" % (tmp, m))), "pytorch": json.load(open("%s/torch-%s.json" % (tmp, m)))} for m in ("mnist-default", "s5")}},
          open(out, "w"), indent=1)
open(out, "a").write("\n")
PY
