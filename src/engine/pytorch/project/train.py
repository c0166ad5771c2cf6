"""Train the exported model as the notebook's run was configured (config.json), in PyTorch.

    python train.py [--data DIR] [--init FILE] [--steps N] [--epochs N] [--out DIR]
    torchrun --nproc_per_node N train.py [same options]

One process visits the training images in the notebook's own order for the seed, so from the same
weights (--init, by default the exported weights.safetensors) its first batch is the notebook's
first batch and the first-step loss is the notebook's. Under torchrun each process trains a
DistributedDataParallel replica on its DistributedSampler shard with batch/N images per step (the
global batch stays the run's), on gloo for CPUs and nccl for GPUs; rank 0 prints and saves.
--data DIR reads the four MNIST idx files (plain or gzipped) from DIR; without it torchvision
downloads MNIST. Writes OUT/weights.safetensors (the notebook imports it) and OUT/log.json.
(Debian's PyTorch 1.13 on Python 3.11 needs `torchrun --redirects 1 --tee 1 ...`: its default
"0" no longer parses there.)
"""
import argparse
import json
import os
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

import utils
from model import Net

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=os.path.join(HERE, "config.json"))
    p.add_argument("--data", default=None, help="directory with the MNIST idx files (default: torchvision download)")
    p.add_argument("--init", default=os.path.join(HERE, "weights.safetensors"), help='weights to start from ("" for PyTorch\'s initialisation)')
    p.add_argument("--epochs", type=int, default=None, help="override the run's epochs")
    p.add_argument("--steps", type=int, default=None, help="stop after this many training steps (a quick check)")
    p.add_argument("--engine-dropout", action="store_true", help="the notebook's dropout masks instead of PyTorch's (one process): the run then follows the notebook's step for step")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads on CPU")
    p.add_argument("--out", default=os.path.join(HERE, "out"))
    args = p.parse_args()
    with open(args.config) as f:
        cfg = json.load(f)
    if args.epochs is not None:
        cfg["epochs"] = args.epochs
    if args.threads:
        torch.set_num_threads(args.threads)

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    cuda = torch.cuda.is_available()
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    main0 = rank == 0
    torch.manual_seed(cfg["seed"] + rank)  # the random transforms; each rank its own stream

    tr_x, tr_y, te_x, te_y = utils.load_mnist(args.data)
    if cfg.get("trainLimit"):
        tr_x, tr_y = tr_x[:cfg["trainLimit"]], tr_y[:cfg["trainLimit"]]
    if cfg.get("testLimit"):
        te_x, te_y = te_x[:cfg["testLimit"]], te_y[:cfg["testLimit"]]
    if cfg["batch"] % world:
        raise SystemExit("batch %d does not split over %d processes; pick a divisor" % (cfg["batch"], world))
    batch = cfg["batch"] // world
    train_set = TensorDataset(tr_x, tr_y)
    sampler = DistributedSampler(train_set, world, rank, shuffle=True, seed=cfg["seed"]) if world > 1 else utils.NotebookSampler(len(train_set), cfg["seed"])
    loader = DataLoader(train_set, batch_size=batch, sampler=sampler)
    transforms = utils.Transforms(cfg["augment"])

    model = Net()
    if args.init:
        model.load_state_dict(utils.read_safetensors(args.init), strict=True)
    else:
        torch.manual_seed(cfg["seed"])
    model.to(device)
    masks = None
    if args.engine_dropout:
        if world > 1:
            raise SystemExit("--engine-dropout replays the notebook's single-process run; it does not split over %d processes" % world)
        masks = utils.EngineMasks(model, cfg["model"], cfg["seed"])
    net = DistributedDataParallel(model) if world > 1 else model
    optimizer = torch.optim.SGD(net.parameters(), lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=cfg["weightDecay"])
    scheduler, per_batch = utils.make_scheduler(optimizer, cfg, len(loader))
    if main0:
        params = sum(q.numel() for q in model.parameters() if q.requires_grad)
        print("PyTorch %s on %s, %d process(es); %d parameters; train %d, test %d; batch %d per process" % (torch.__version__, device, world, params, len(tr_y), len(te_y), batch))

    log = {"config": cfg, "world": world, "firstBatchLoss": None, "epochs": []}

    def first(loss):
        log["firstBatchLoss"] = loss
        if main0:
            print("first batch loss: %.6f" % loss, flush=True)

    steps_left = args.steps
    for epoch in range(cfg["epochs"]):
        sampler.set_epoch(epoch)
        t0 = time.time()
        loss, acc, steps = utils.train(net, device, loader, optimizer, scheduler, per_batch, transforms, epoch + 1, steps_left, first if epoch == 0 else None, main0, masks)
        if world > 1:
            t = torch.tensor([loss, acc], device=device)
            dist.all_reduce(t)
            loss, acc = (t / world).tolist()
        test_loss, test_acc = utils.test(model, device, te_x, te_y, transforms)
        e = {"epoch": epoch + 1, "trainLoss": loss, "trainAcc": acc, "testLoss": test_loss, "testAcc": test_acc, "seconds": time.time() - t0, "steps": steps}
        log["epochs"].append(e)
        if main0:
            print("epoch %2d  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  %.1f s" % (e["epoch"], loss, acc, test_loss, test_acc, e["seconds"]), flush=True)
        if steps_left is not None:
            steps_left -= steps
            if steps_left <= 0:
                break

    if main0:
        os.makedirs(args.out, exist_ok=True)
        spec = cfg.get("model")
        utils.write_safetensors(os.path.join(args.out, "weights.safetensors"), model.state_dict(), {"format": "pt", **({"model": json.dumps(spec)} if spec else {})})
        with open(os.path.join(args.out, "log.json"), "w") as f:
            json.dump(log, f, indent=2)
        print("wrote %s" % os.path.join(args.out, "weights.safetensors"))
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
