#!/usr/bin/env bash
# Prepares .gpu-kit/ for the lent GPU machine (H100/H200: no Node, no network there) and prints the
# one command to give the device tool. What it runs there, in one call, writing under $OUT:
#   bench-kernels (GFLOP/s), bench at batch 128 and 512 with a per-kernel profile, PyTorch eager on
#   the same GPU and model, time to 99.4% test accuracy (the 8-epoch OneCycle schedule, see
#   scripts/model_search/README.md), and a full default training run (log.json).
# Usage: scripts/device-run.sh   (then call the device tool with carry [".gpu-kit"] and the printed command)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
../shared/device/make-kit.sh >/dev/null
npm run -s build:node
mkdir -p .gpu-kit/app .gpu-kit/data .gpu-kit/scripts .gpu-kit/src/models
cp dist-node/*.js .gpu-kit/app/
cp public/data/* .gpu-kit/data/
cp scripts/bench_pytorch.py .gpu-kit/scripts/
cp src/models/mnist-default.json .gpu-kit/src/models/
commit=$(git rev-parse --short HEAD)
cat > .gpu-kit/run.sh <<RUN
#!/usr/bin/env bash
# Runs on the GPU machine from the repository root: source .gpu-kit/setup.sh first.
set -u
export GIT_COMMIT=$commit
K=.gpu-kit
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > \$OUT/gpu.txt 2>&1
node \$K/app/bench-kernels.js --json \$OUT/kernels.json 2>&1 | grep -v Warning | tee \$OUT/kernels.log
node \$K/app/bench.js --data \$K/data --json \$OUT/bench.json --profile 2>&1 | grep -v Warning | tee \$OUT/bench.log
python3 \$K/scripts/bench_pytorch.py --data \$K/data --spec \$K/src/models/mnist-default.json --json \$OUT/pytorch.json 2>&1 | tee \$OUT/pytorch.log
node \$K/app/bench.js --data \$K/data --batches 128 --steps 50 --to-accuracy 99.4 --epochs 8 --json \$OUT/to-accuracy.json 2>&1 | grep -v Warning | tee \$OUT/to-accuracy.log
node \$K/app/train.js --data \$K/data --epochs 20 --out \$OUT/run 2>&1 | grep -v Warning | tee \$OUT/train.log
RUN
chmod +x .gpu-kit/run.sh
du -sh .gpu-kit
echo 'device command (carry [".gpu-kit"], timeout_s 600):'
echo '  source .gpu-kit/setup.sh; bash .gpu-kit/run.sh'
