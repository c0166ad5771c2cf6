// Cell 5: train / test. Saved and restored runs, the optimiser's settings, Run / Stop / Continue,
// weights in and out; the run's progress is its own element (run-status.ts).
import { html } from 'lit';
import { customElement } from 'lit/decorators.js';
import '../../ui/nb-cell';
import { fmt, fmtSeconds } from '../../ui/format';
import { SHORT_RUN_QUERY } from '../form';
import { exportProject } from '../export-project';
import { continueSaved, discardBad, discardSaved, downloadWeights, openWeightsFile, savedDifference } from '../saved-runs';
import { SessionController } from '../state';
import { SessionElement } from './base';
import './copy-link';
import './run-status';

@customElement('mnist-train-cell')
export class TrainCell extends SessionElement {
  // The replay picker lists the kept runs: re-render when they change too.
  private kctl = new SessionController(this);

  protected override willUpdate(changed: Map<PropertyKey, unknown>) {
    super.willUpdate(changed as never);
    if (changed.has('session') && this.session) this.kctl.attach(this.session.runs);
  }

  /** "Replay from the same initial weights": a kept run's initial weights and seed for the next Run. */
  private replay() {
    const s = this.s;
    const runs = this.session.runs.runs;
    const r = runs.find((x) => x.id === s.replay);
    const on = (e: Event) => this.session.set({ replay: (e.target as HTMLInputElement).checked ? (runs[runs.length - 1]?.id ?? null) : null });
    return html`<div class="row">
      <label style="flex-direction:row;align-items:center;gap:6px"><input type="checkbox" data-testid="mnist-replay" .checked=${s.replay !== null}
        ?disabled=${!runs.length || s.training} @change=${on} />Replay from the same initial weights</label>
      ${
        s.replay !== null
          ? html`<label style="flex-direction:row;align-items:center;gap:6px">of
              <select data-testid="mnist-replay-run" ?disabled=${s.training} @change=${(e: Event) => this.session.set({ replay: (e.target as HTMLSelectElement).value })}>
                ${runs.map((x) => html`<option value=${x.id} ?selected=${x.id === s.replay}>${x.name}${x.init ? ` (init ${x.init})` : ''}</option>`)}
              </select></label>
            <span class="muted" data-testid="mnist-replay-note">${
              r ? `Run starts from ${r.name}'s initial weights and its data order (seed ${r.config.seed}): change one thing, then compare them in cell 12.` : ''
            }</span>`
          : html`<span class="muted">${runs.length ? 'start the next run as a kept one started, to change one thing and compare' : 'keep a run first (cell 12) to replay it'}</span>`
      }
    </div>`;
  }
  private banners() {
    const s = this.s;
    const saved = s.saved;
    return html`${
      s.badSaved
        ? html`<div class="warn" role="alert" data-testid="mnist-bad-checkpoint">The training run saved in this browser cannot be used
            (${s.badSaved}). <button data-testid="mnist-discard-bad" @click=${() => discardBad(this.session)}>Discard it</button></div>`
        : null
    }
      ${
        saved
          ? html`<div class="warn" role="status" data-testid="mnist-resume-banner">
            ${
              saved.epoch < saved.config.epochs
                ? html`A training run was interrupted after epoch ${saved.epoch} of ${saved.config.epochs} (checkpoint saved ${new Date(saved.savedAt).toLocaleString()}).
                  <button class="primary" data-testid="mnist-resume" ?disabled=${s.training || Boolean(s.noGpu)} @click=${() => continueSaved(this.session)}>Continue it</button>`
                : html`Restored the last finished run (${saved.epoch} epoch${saved.epoch === 1 ? '' : 's'}, saved ${new Date(saved.savedAt).toLocaleString()}).`
            }
            ${
              savedDifference(this.session) === null
                ? 'The fields and the model spec show the settings it was trained with.'
                : html`<span data-testid="mnist-saved-differs">It was trained with other settings than the fields show: ${savedDifference(this.session)}.</span>`
            }
            <button data-testid="mnist-discard" ?disabled=${s.training} @click=${() => discardSaved(this.session)}>Discard</button>
          </div>`
          : null
      }
      ${s.recovered ? html`<div class="warn" role="alert" data-testid="mnist-recovered">${s.recovered}</div>` : null}
      ${s.notice ? html`<div class="warn" role="status" data-testid="mnist-short-run">${s.notice}</div>` : null}
      ${
        s.longRun
          ? html`<div class="warn" role="alert" data-testid="mnist-long-run">This run would take about ${fmtSeconds(s.longRun.etaSec)} here, more than the ${fmtSeconds(this.session.askAfterSec)} Run all starts without asking, so it paused it.
            <button class="primary" data-testid="mnist-long-go-on" @click=${() => this.session.answerLongRun(true)}>Go on with the full run</button>
            <button data-testid="mnist-long-short" @click=${() => this.session.answerLongRun(false)}>Make a short run instead</button></div>`
          : null
      }`;
  }

  override render() {
    const s = this.s;
    const ready = this.session.ready;
    const sched = s.form.schedule;
    const schedErr = s.parsed.errors.schedule;
    return html`<nb-cell index="5" heading="Train / test" status=${s.status.train ?? 'idle'} message=${s.messages.train ?? ''} no-run
      ?restored=${Boolean(s.saved)} ?run-disabled=${!ready || s.training} @run=${() => this.session.runTrain(true)}>
      ${this.banners()}
      <div class="form">
        ${this.field('epochs', 'epochs')} ${this.field('lr', sched === 'OneCycleLR' ? 'max lr' : 'lr')}
        ${this.field('momentum', 'momentum')} ${this.field('weightDecay', 'weight decay')}
        <label>scheduler
          <select data-testid="mnist-schedule" .value=${sched} aria-invalid=${schedErr ? 'true' : 'false'}
            @change=${(e: Event) => this.session.setForm('schedule', (e.target as HTMLSelectElement).value)}>
            <option value="OneCycleLR">OneCycleLR</option><option value="StepLR">StepLR</option><option value="constant">constant</option>
          </select><span class="err" data-testid="mnist-error-schedule">${schedErr ?? ''}</span></label>
        ${sched === 'StepLR' ? html`${this.field('stepSize', 'step size (epochs)')} ${this.field('gamma', 'gamma')}` : null}
      </div>
      ${this.replay()}
      <div class="row">
        <button class="primary" data-testid="mnist-run" ?disabled=${!ready || s.training} @click=${() => this.session.runTrain(true)}>Run</button>
        <button data-testid="mnist-stop" ?disabled=${!s.training || s.stopping} @click=${this.session.stop}>${s.stopping ? 'Stopping…' : 'Stop'}</button>
        <button data-testid="mnist-continue" ?disabled=${!ready || s.training || !s.canContinue || s.builtFor !== this.session.key()}
          @click=${() => this.session.runTrain(false)}>Continue</button>
        <span class="muted">SGD (momentum ${s.form.momentum}) · ${sched} · batch ${s.form.batch}</span>
        <mnist-copy-link .session=${this.session}></mnist-copy-link>
      </div>
      <div class="row">
        <button data-testid="mnist-export" ?disabled=${(!s.built && !s.saved) || s.training} @click=${() => downloadWeights(this.session)}>Export weights (.safetensors)</button>
        <button data-testid="mnist-export-pytorch" ?disabled=${(!s.built && !s.saved) || s.training} @click=${() => exportProject(this.session)}>Export as PyTorch project (.zip)</button>
        <label style="flex-direction:row;align-items:center;gap:6px">Import weights
          <input type="file" accept=".safetensors" data-testid="mnist-import" ?disabled=${s.training || Boolean(s.noGpu)}
            @change=${(e: Event) => this.onImport(e)} /></label>
        ${
          s.imported
            ? html`<span data-testid="mnist-import-result" data-value=${s.imported.testAcc}>Imported ${s.imported.file}: test accuracy ${s.imported.testAcc.toFixed(2)}%, loss ${fmt(s.imported.testLoss, 4)}; Continue trains it further.</span>`
            : null
        }
      </div>
      ${s.weightsError ? html`<div class="warn" role="alert" data-testid="mnist-weights-error">${s.weightsError}</div>` : null}
      ${
        s.info?.fallback
          ? html`<div class="warn" data-testid="mnist-fallback">This browser gave WebGPU a software adapter (${s.info.adapter}): training is correct but runs on the CPU,
            far slower than on a GPU. <a href=${SHORT_RUN_QUERY} data-testid="mnist-short-link">A short run</a> trains 2 epochs on 1,024 images.</div>`
          : null
      }
      ${!ready && !s.noGpu ? html`<div class="warn" data-testid="mnist-invalid">Fix the marked fields (here and in cells 1, 3 and 4) to run.</div>` : null}
      <mnist-run-status .session=${this.session}></mnist-run-status>
    </nb-cell>`;
  }

  private onImport(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void openWeightsFile(this.session, file);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-train-cell': TrainCell;
  }
}
