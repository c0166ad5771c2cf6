// Export as PyTorch project: the run taken to PyTorch, for Colab or a cluster. model.py (Copy as
// PyTorch), utils.py and train.py (fixed code, in ./project/), config.json (the run's transforms,
// batch, optimizer, schedule, epochs, seed, limits and spec), S5.ipynb (nbformat 4: the S5
// notebook's cells over the same files) and the run's weights. zip() packs them for a download.
import type { TrainConfig } from '../../train/config';
import type { LayerSpec } from '../spec';
import { copyPyTorch } from './copy';
import trainPy from './project/train.py?raw';
import utilsPy from './project/utils.py?raw';

export interface ProjectInput {
  spec: LayerSpec[];
  config: TrainConfig;
  trainLimit?: number;
  testLimit?: number;
  /** The run's weights (.safetensors bytes). */
  weights: Uint8Array;
}

const md = (text: string) => ({ cell_type: 'markdown', metadata: {}, source: lines(text) });
const code = (text: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: lines(text) });
const lines = (text: string) => text.split(/(?<=\n)/);

/** S5.ipynb: the assignment's notebook (transforms → loaders → summary → train/test → plots). */
export function notebook(params: number): string {
  const cells = [
    md(
      `# MNIST in PyTorch, as the WebGPU notebook ran it\n\n` +
        `Exported with the run's settings (\`config.json\`), model (\`model.py\`, ${params.toLocaleString('en-US')} parameters) and weights ` +
        `(\`weights.safetensors\`). \`train.py\` runs the same training from a terminal, on one process or under \`torchrun\`.`,
    ),
    code(
      'import json\n\nimport matplotlib.pyplot as plt\nimport torch\n\nimport utils\nfrom model import Net\n\n' +
        'with open("config.json") as f:\n    cfg = json.load(f)\ndevice = torch.device("cuda" if torch.cuda.is_available() else "cpu")\ntorch.manual_seed(cfg["seed"])\ncfg',
    ),
    md('## Transforms and data loaders\n\n`DATA = None` downloads MNIST with torchvision; or name a folder with the four idx files.'),
    code(
      'DATA = None\ntr_x, tr_y, te_x, te_y = utils.load_mnist(DATA)\nif cfg.get("trainLimit"):\n    tr_x, tr_y = tr_x[:cfg["trainLimit"]], tr_y[:cfg["trainLimit"]]\n' +
        'if cfg.get("testLimit"):\n    te_x, te_y = te_x[:cfg["testLimit"]], te_y[:cfg["testLimit"]]\ntransforms = utils.Transforms(cfg["augment"])\n' +
        'train_set = torch.utils.data.TensorDataset(tr_x, tr_y)\nsampler = utils.NotebookSampler(len(train_set), cfg["seed"])\n' +
        'train_loader = torch.utils.data.DataLoader(train_set, batch_size=cfg["batch"], sampler=sampler)\nlen(tr_y), len(te_y)',
    ),
    md('## Model'),
    code(
      'model = Net()\nmodel.load_state_dict(utils.read_safetensors("weights.safetensors"), strict=True)\nmodel = model.to(device)\n' +
        'try:\n    from torchsummary import summary\n    summary(model, input_size=(1, 28, 28), device=device.type)\nexcept ImportError:\n' +
        '    print(model)\n    print("parameters:", sum(p.numel() for p in model.parameters() if p.requires_grad))',
    ),
    md('## Train and test'),
    code(
      'optimizer = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=cfg["weightDecay"])\n' +
        'scheduler, per_batch = utils.make_scheduler(optimizer, cfg, len(train_loader))\nhistory = []\n' +
        'for epoch in range(cfg["epochs"]):\n    sampler.set_epoch(epoch)\n' +
        '    loss, acc, _ = utils.train(model, device, train_loader, optimizer, scheduler, per_batch, transforms, epoch + 1)\n' +
        '    test_loss, test_acc = utils.test(model, device, te_x, te_y, transforms)\n    history.append((loss, acc, test_loss, test_acc))\n' +
        '    print("epoch %2d  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%" % (epoch + 1, loss, acc, test_loss, test_acc))',
    ),
    md('## Plots'),
    code(
      'fig, axs = plt.subplots(1, 2, figsize=(12, 4))\nfor k, name in ((0, "train"), (2, "test")):\n' +
        '    axs[0].plot([h[k] for h in history], label=name)\n    axs[1].plot([h[k + 1] for h in history], label=name)\n' +
        'axs[0].set_title("loss")\naxs[1].set_title("accuracy (%)")\naxs[0].legend()\naxs[1].legend()\nplt.show()',
    ),
  ];
  const nb = {
    cells,
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 4,
  };
  return JSON.stringify(nb, null, 1) + '\n';
}

/** Every file of the project, by name. */
export function projectFiles(p: ProjectInput, params: number): Record<string, string | Uint8Array> {
  const config = { ...p.config, trainLimit: p.trainLimit ?? null, testLimit: p.testLimit ?? null, model: p.spec };
  return {
    'model.py': copyPyTorch(p.spec),
    'utils.py': utilsPy,
    'train.py': trainPy,
    'S5.ipynb': notebook(params),
    'config.json': JSON.stringify(config, null, 2) + '\n',
    'weights.safetensors': p.weights,
  };
}

const CRC = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** 2026-01-01 (a valid DOS date; the files carry no time of their own). */
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1;

/** A zip archive (stored, no compression) of `files` inside folder `dir`. */
export function zip(files: Record<string, string | Uint8Array>, dir: string): Uint8Array {
  const enc = new TextEncoder();
  const local: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = typeof content === 'string' ? enc.encode(content) : content;
    const path = enc.encode(`${dir}/${name}`);
    const crc = crc32(data);
    const head = new Uint8Array(30 + path.length);
    const h = new DataView(head.buffer);
    h.setUint32(0, 0x04034b50, true);
    h.setUint16(4, 20, true);
    h.setUint16(12, DOS_DATE, true);
    h.setUint32(14, crc, true);
    h.setUint32(18, data.length, true);
    h.setUint32(22, data.length, true);
    h.setUint16(26, path.length, true);
    head.set(path, 30);
    const c = new Uint8Array(46 + path.length);
    const d = new DataView(c.buffer);
    d.setUint32(0, 0x02014b50, true);
    d.setUint16(4, 20, true);
    d.setUint16(6, 20, true);
    d.setUint16(14, DOS_DATE, true);
    d.setUint32(16, crc, true);
    d.setUint32(20, data.length, true);
    d.setUint32(24, data.length, true);
    d.setUint16(28, path.length, true);
    d.setUint32(42, offset, true);
    c.set(path, 46);
    local.push(head, data);
    central.push(c);
    offset += head.length + data.length;
  }
  const size = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const e = new DataView(end.buffer);
  e.setUint32(0, 0x06054b50, true);
  e.setUint16(8, central.length, true);
  e.setUint16(10, central.length, true);
  e.setUint32(12, size, true);
  e.setUint32(16, offset, true);
  const out = new Uint8Array(offset + size + 22);
  let p = 0;
  for (const part of [...local, ...central, end]) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
