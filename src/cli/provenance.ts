// Where a number came from: the machine and the commit, written into every log and bench JSON.
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

export function machine(): string {
  return `${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform}`;
}

// GIT_COMMIT lets a copied bundle without .git (the device kit) name its commit.
export function commit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return process.env.GIT_COMMIT ?? 'unknown';
  }
}
