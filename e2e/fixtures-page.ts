// Runs every gradient fixture through the engine on this browser's WebGPU adapter and publishes
// the results on window.__fixtures for e2e/fixtures.spec.ts.
import { formatResult, runFixture, type FixtureResult } from '../src/engine/fixtures';
import { openGpu } from '../src/engine/gpu';
import { Runtime } from '../src/engine/runtime';

const files = import.meta.glob('../fixtures/gradients/*.json', { import: 'default' });

declare global {
  interface Window {
    __fixtures?: { adapter: string; results: FixtureResult[]; control: FixtureResult } | { error: string };
  }
}

async function main() {
  const status = document.getElementById('status')!;
  const table = document.getElementById('results') as HTMLTableElement;
  const { device, info } = await openGpu(navigator.gpu, 'browser');
  const rt = new Runtime(device, info);
  status.textContent = `adapter: ${info.adapter}`;
  const results: FixtureResult[] = [];
  // On a CPU adapter the plans differ from a GPU's in places (see planUnits): run both.
  const shapes: [Runtime, string][] = [[rt, '']];
  if (info.isFallback) shapes.push([new Runtime(device, { ...info, isFallback: false }), ' (as planned for a GPU)']);
  for (const [runtime, suffix] of shapes)
    for (const [path, load] of Object.entries(files).sort()) {
      const fx = await load();
      const r = await runFixture(runtime, fx);
      r.name += suffix;
      results.push(r);
      const row = table.insertRow();
      row.className = r.pass ? 'PASS' : 'FAIL';
      row.insertCell().textContent = path.split('/').pop()! + suffix;
      row.insertCell().textContent = formatResult(r);
    }
  // A control that must fail: one expected gradient nudged by 1%.
  const fx = structuredClone((await files['../fixtures/gradients/small_cnn_train_sgd.json']()) as Record<string, any>);
  fx.expected.grads['4.weight'].data[2] *= 1.01;
  const control = await runFixture(rt, fx);
  window.__fixtures = { adapter: info.adapter, results, control };
  status.textContent += ` — ${results.filter((r) => r.pass).length}/${results.length} pass`;
}

main().catch((e) => {
  window.__fixtures = { error: String(e?.message ?? e) };
  document.getElementById('status')!.textContent = `error: ${e?.message ?? e}`;
});
