// Progress of long steps on one display: a live bar with ETA on a terminal, and a line every
// few seconds otherwise (CI logs, tests), so a long run never looks stuck.
import cliProgress from 'cli-progress';

export interface Reporter {
  start(step: string): void;
  progress(step: string, done: number, total: number, detail?: string): void;
  log(step: string, message: string): void;
  end(step: string): void;
}

const LINE_INTERVAL_MS = 10_000;

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds - 60 * m);
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function createReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  return stream.isTTY ? new BarReporter() : new LineReporter(stream);
}

class BarReporter implements Reporter {
  private readonly bars = new cliProgress.MultiBar(
    {
      format: '  {step} [{bar}] {percentage}% | ETA {eta_formatted} | {detail}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  private readonly active = new Map<string, cliProgress.SingleBar>();

  start(): void {
    // the bar appears with the step's first progress report
  }

  progress(step: string, done: number, total: number, detail = ''): void {
    let bar = this.active.get(step);
    if (!bar) {
      bar = this.bars.create(total, done, { step, detail });
      this.active.set(step, bar);
    }
    bar.setTotal(total);
    bar.update(done, { step, detail });
  }

  log(step: string, message: string): void {
    this.bars.log(`  ${step}: ${message}\n`);
  }

  end(step: string): void {
    const bar = this.active.get(step);
    if (bar) {
      this.bars.remove(bar);
      this.active.delete(step);
    }
    if (this.active.size === 0) this.bars.stop();
  }
}

class LineReporter implements Reporter {
  private readonly started = new Map<string, number>();
  private readonly lastLine = new Map<string, number>();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  start(step: string): void {
    this.started.set(step, Date.now());
  }

  progress(step: string, done: number, total: number, detail = ''): void {
    const now = Date.now();
    const last = this.lastLine.get(step) ?? this.started.get(step) ?? now;
    if (now - last < LINE_INTERVAL_MS && done < total) return;
    this.lastLine.set(step, now);
    const elapsed = (now - (this.started.get(step) ?? now)) / 1000;
    const eta = done > 0 ? (elapsed * (total - done)) / done : Number.NaN;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
    this.stream.write(`  ${step}: ${pct}% (${done}/${total}), ETA ${formatSeconds(eta)}${detail ? ` - ${detail}` : ''}\n`);
  }

  log(step: string, message: string): void {
    this.stream.write(`  ${step}: ${message}\n`);
  }

  end(step: string): void {
    this.started.delete(step);
    this.lastLine.delete(step);
  }
}
