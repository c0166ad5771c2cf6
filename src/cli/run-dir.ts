// The output directory of `npm run train`, made crash-safe. It is checked and locked before any
// data or GPU work; every file in it is replaced atomically (written to a temporary name, flushed,
// renamed, the directory flushed), so a crash at any instant leaves the last good version.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export class RunDirError extends Error {
  override name = 'RunDirError';
}

/** The files a run writes; a directory holding either belongs to an earlier run. */
export const RUN_FILES = ['log.json', 'weights.safetensors'];
const LOCK = '.train.lock';

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'unknown';
}

/**
 * mkdir -p, one level at a time: Node's own recursive mkdir never returns on some paths
 * (e.g. under /proc), so a bad --out would hang instead of being refused.
 */
function makeDirs(dir: string, shown: string): void {
  const abs = resolve(dir);
  const parts: string[] = [];
  for (let p = abs; ; p = dirname(p)) {
    parts.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of parts) {
    try {
      if (statSync(p).isDirectory()) continue;
      throw new RunDirError(`--out ${shown}: ${p} is a file, not a directory`);
    } catch (e) {
      if (e instanceof RunDirError) throw e;
      if (code(e) !== 'ENOENT') throw new RunDirError(`--out ${shown}: cannot use ${p} (${code(e)})`);
    }
    try {
      mkdirSync(p);
    } catch (e) {
      if (code(e) !== 'EEXIST') throw new RunDirError(`--out ${shown}: cannot create ${p} (${code(e)}: ${(e as Error).message})`);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return code(e) === 'EPERM';
  }
}

export class RunDir {
  private locked = false;

  private constructor(readonly dir: string) {}

  /**
   * Create (if needed), check and lock `dir`. Refused: a file in the way, a directory that
   * cannot be written, one another live run holds, one holding an earlier run's files (unless
   * `overwrite`, which removes them once the lock is held).
   */
  static open(dir: string, overwrite: boolean): RunDir {
    makeDirs(dir, dir);
    const rd = new RunDir(dir);
    rd.lock();
    try {
      for (const f of RUN_FILES) {
        const p = join(dir, f);
        let st;
        try {
          st = statSync(p);
        } catch {
          continue;
        }
        if (st.isDirectory()) throw new RunDirError(`--out ${dir}: ${p} is a directory, where the run would write its ${f}`);
        if (!overwrite)
          throw new RunDirError(
            `--out ${dir} holds an earlier run (${RUN_FILES.filter((x) => exists(join(dir, x))).join(', ')}); choose another --out, or add --overwrite to replace it`,
          );
      }
      if (overwrite) for (const f of RUN_FILES) rmSync(join(dir, f), { force: true });
      // Temporary files of a run that was killed mid-write.
      for (const f of readdirSync(dir)) if (f.includes('.tmp-')) rmSync(join(dir, f), { force: true });
    } catch (e) {
      rd.release();
      throw e;
    }
    return rd;
  }

  private lock(): void {
    const p = join(this.dir, LOCK);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(p, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.locked = true;
        return;
      } catch (e) {
        if (code(e) !== 'EEXIST') throw new RunDirError(`--out ${this.dir} is not writable (${code(e)}: ${(e as Error).message})`);
        const pid = Number(readFileSync(p, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0 && alive(pid))
          throw new RunDirError(`--out ${this.dir} is in use by another training run (pid ${pid}); wait for it or choose another --out`);
        unlinkSync(p); // left by a run that was killed: take it over
      }
    }
    throw new RunDirError(`--out ${this.dir}: could not take the lock ${p}`);
  }

  /** Replace `name` with `bytes` atomically: a reader sees the old file or the new one, whole. */
  write(name: string, bytes: Uint8Array | string): void {
    const final = join(this.dir, name);
    const tmp = `${final}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
      let off = 0;
      while (off < b.length) off += writeSync(fd, b, off, b.length - off);
      fsyncSync(fd);
      // For the fault tests: hold the weights' finished temporary file so a kill lands before the rename.
      const pause = name === 'weights.safetensors' ? Number(process.env.TRAIN_TEST_PAUSE_BEFORE_RENAME_MS ?? 0) : 0;
      if (pause > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pause);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
    const d = openSync(this.dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  }

  release(): void {
    if (!this.locked) return;
    this.locked = false;
    rmSync(join(this.dir, LOCK), { force: true });
  }
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}
