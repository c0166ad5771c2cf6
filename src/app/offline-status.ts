// Registers the service worker (sw.ts) in a built site and says under the notebook whether the
// page works offline: which build the cache holds, and whether it is this page's build or a newer
// one (then a reload shows the newer one).
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';

type Offline =
  { kind: 'off'; why: string } | { kind: 'saving' } | { kind: 'ready' | 'newer'; version: string; files: number } | { kind: 'error'; message: string };

/** Which build the active service worker caches (it answers on a message channel). */
function askVersion(w: ServiceWorker): Promise<{ version: string; files: number }> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = (e) => resolve(e.data);
    w.postMessage('version', [ch.port2]);
  });
}

@customElement('offline-status')
export class OfflineStatus extends LitElement {
  @state() private st: Offline = { kind: 'saving' };
  /** This page's build, written into index.html by scripts/sw-plugin.ts. */
  private readonly build = document.querySelector<HTMLMetaElement>('meta[name="notebook-build"]')?.content ?? '';

  static override styles = css`
    :host { display: block; font-size: 12px; color: var(--muted); margin-top: 8px; }
    .err { color: var(--err); }
  `;

  override connectedCallback() {
    super.connectedCallback();
    void this.register();
  }

  /** What the controlling worker caches, against this page's build (and a build still being cached). */
  private async check(reg: ServiceWorkerRegistration, tookOver: boolean) {
    const w = navigator.serviceWorker.controller;
    const pending = reg.installing ?? reg.waiting;
    const v = w ? await askVersion(w) : null;
    if (v?.version === this.build) this.st = { kind: 'ready', ...v };
    else if (v && tookOver) this.st = { kind: 'newer', ...v };
    else if (pending) {
      this.st = { kind: 'saving' };
      pending.addEventListener('statechange', () => {
        if (pending.state === 'redundant') this.st = { kind: 'error', message: 'a file could not be cached, so this build is not available offline' };
      });
    } else
      this.st = { kind: 'error', message: v ? `the cache holds build ${v.version}, not this page's (${this.build})` : 'no service worker controls this page' };
  }

  private async register() {
    if (!import.meta.env.PROD || !this.build) return void (this.st = { kind: 'off', why: 'the development server does not use the offline cache' });
    if (!('serviceWorker' in navigator)) return void (this.st = { kind: 'off', why: 'this browser has no service workers, so the page needs the network' });
    const sw = navigator.serviceWorker;
    try {
      const reg = await sw.register('./sw.js');
      // A new build's worker takes over (skipWaiting + claim) once it has cached everything.
      sw.addEventListener('controllerchange', () => void this.check(reg, true));
      // A newer sw.js found on this visit (the page came from the network, its cache from the old build).
      reg.addEventListener('updatefound', () => void this.check(reg, false));
      await this.check(reg, false);
    } catch (e) {
      this.st = { kind: 'error', message: (e as Error).message };
    }
  }

  override render() {
    const s = this.st;
    let text = '';
    if (s.kind === 'off') text = `Offline use is off: ${s.why}.`;
    else if (s.kind === 'saving') text = 'Saving the notebook and MNIST for offline use…';
    else if (s.kind === 'ready') text = `Works offline: this build (${s.version}, ${s.files} files with MNIST) is cached in this browser.`;
    else if (s.kind === 'newer') text = `A newer build (${s.version}) is cached and the old one removed; reload to use it.`;
    else if (s.kind === 'error') text = `Offline use failed: ${s.message}`;
    return html`<p data-testid="offline-status" data-state=${s.kind} data-version=${'version' in s ? s.version : ''} class=${s.kind === 'error' ? 'err' : ''}>${text}</p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'offline-status': OfflineStatus;
  }
}
