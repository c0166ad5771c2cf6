// npm run gradcheck -- FILE...   Runs PyTorch gradient fixtures through the engine (Dawn) and
// prints one PASS/FAIL line each; exits 1 if any fails. No files: every fixture in fixtures/gradients.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatResult, runFixture } from '../engine/fixtures';
import { openNodeGpu } from '../engine/node-gpu';
import { Runtime } from '../engine/runtime';

async function main() {
  let files = process.argv.slice(2);
  if (files.length === 0) {
    const dir = 'fixtures/gradients';
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(dir, f));
  }
  const { device, info, tuning } = await openNodeGpu();
  const rt = new Runtime(device, info, tuning);
  console.log(`adapter: ${info.adapter}`);
  let failed = 0;
  for (const file of files) {
    let fx: unknown;
    try {
      fx = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      console.log(`FAIL ${file}: cannot read JSON: ${(e as Error).message}`);
      failed++;
      continue;
    }
    const r = await rt.scoped(file, () => runFixture(rt, fx)).catch((e: Error) => ({ name: file, pass: false, worst: null, tensors: [], error: e.message }));
    if (!r.pass) failed++;
    console.log(formatResult(r));
  }
  console.log(`${files.length - failed}/${files.length} fixtures pass`);
  device.destroy();
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(`gradcheck: ${e instanceof Error ? e.message : e}`);
  process.exit(2);
});
