// "Export as PyTorch project" on the page: the run's spec, settings and weights (the model in the
// worker, or a run restored from IndexedDB) as mnist-pytorch.zip (see engine/pytorch/project.ts).
import { projectFiles, zip, type ProjectInput } from '../engine/pytorch/project';
import { countParams, parseSpec, type LayerSpec } from '../engine/spec';
import type { MnistSession } from './session';

export async function exportProject(session: MnistSession): Promise<void> {
  const s = session.state;
  session.set({ weightsError: '' });
  try {
    let input: ProjectInput;
    if (!s.built && s.saved) {
      const r = s.saved;
      input = { spec: r.spec as LayerSpec[], config: r.config, trainLimit: r.trainLimit, testLimit: r.testLimit, weights: r.weights };
    } else {
      const c = s.parsed;
      if (!c.config || s.builtFor !== session.key())
        throw new Error(
          'The settings or the model spec changed since this model was built, so the project would not describe its run: run it again, or put them back.',
        );
      const weights = await session.worker().call({ type: 'export' });
      input = { spec: s.spec.value as LayerSpec[], config: c.config, trainLimit: c.trainLimit, testLimit: c.testLimit, weights };
    }
    const bytes = zip(projectFiles(input, countParams(parseSpec(input.spec, [1, 28, 28]))), 'mnist-pytorch');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
    a.download = 'mnist-pytorch.zip';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (e) {
    session.set({ weightsError: (e as Error).message });
  }
}
