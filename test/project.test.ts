// Export as PyTorch project without PyTorch: the files, the notebook's nbformat-4 shape, config.json
// holding the run's settings, and the zip the page downloads (read back by Python's zipfile).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectFiles, zip } from '../src/engine/pytorch/project';
import era7918 from '../src/models/era-7918.json';
import { permutation } from '../src/engine/rng';
import { DEFAULT_CONFIG } from '../src/train/config';

const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

const files = projectFiles({ spec: era7918, config: { ...DEFAULT_CONFIG, batch: 64 }, trainLimit: 512, weights: new Uint8Array([1, 2, 3]) }, 7918);

describe('PyTorch project', () => {
  it('holds model.py, utils.py, train.py, S5.ipynb, config.json and the weights', () => {
    expect(Object.keys(files).sort()).toEqual(['S5.ipynb', 'config.json', 'model.py', 'train.py', 'utils.py', 'weights.safetensors']);
    const cfg = JSON.parse(files['config.json'] as string);
    expect(cfg).toMatchObject({
      batch: 64,
      lr: 0.1,
      momentum: 0.9,
      seed: 1,
      trainLimit: 512,
      testLimit: null,
      schedule: { type: 'OneCycleLR' },
      augment: { rotation: 7 },
    });
    expect(cfg.model).toEqual(era7918);
    expect(files['model.py']).toContain('class Net(nn.Module):');
    const nb = JSON.parse(files['S5.ipynb'] as string);
    expect([nb.nbformat, nb.nbformat_minor, nb.cells.length]).toEqual([4, 4, 10]);
    expect(nb.cells[0].source.join('')).toContain('7,918 parameters');
  });

  it('zips them into one folder that Python reads back byte for byte', () => {
    const bytes = zip(files, 'mnist-pytorch');
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    writeFileSync(join(dir, 'p.zip'), bytes);
    const r = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import zipfile, sys, json; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(json.dumps({n: len(z.read(n)) for n in z.namelist()}))',
        join(dir, 'p.zip'),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const sizes = JSON.parse(r.stdout);
    expect(Object.keys(sizes)).toEqual(Object.keys(files).map((n) => `mnist-pytorch/${n}`));
    expect(sizes['mnist-pytorch/weights.safetensors']).toBe(3);
    expect(sizes['mnist-pytorch/train.py']).toBe(new TextEncoder().encode(files['train.py'] as string).length);
  });

  it.skipIf(!hasTorch)("utils.py's sample order is the notebook's permutation, element for element", () => {
    const seeds = [0, 3 * 1000003, 0xfffffffe];
    const r = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys, json; sys.path.insert(0, sys.argv[1]); import utils; print(json.dumps([utils.permutation(1000, int(s)) for s in sys.argv[2:]]))',
        join(__dirname, '..', 'src', 'engine', 'pytorch', 'project'),
        ...seeds.map(String),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(seeds.map((s) => [...permutation(1000, s)]));
  });
});
