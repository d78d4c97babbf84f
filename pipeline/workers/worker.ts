// A worker process of the pool: it runs one job at a time, reports progress, and sends back the
// job's (small, JSON-like) result. The engine is initialised once per process, by the first job
// that needs it, and reused by the jobs after it.
import { jobFunction } from './job-modules.ts';

type ToWorker = { type: 'job'; id: number; module: string; fn: string; input: unknown } | { type: 'exit' };

function send(message: unknown): void {
  // the parent may have gone (it failed, or was interrupted): then there is no one to tell
  if (process.connected) process.send!(message);
}

process.on('message', async (message: ToWorker) => {
  if (message.type === 'exit') {
    process.disconnect();
    return;
  }
  const { id } = message;
  try {
    const fn = await jobFunction(message.module, message.fn);
    let last = 0;
    const result = await fn(message.input, (done, total, detail) => {
      // progress is cheap to report but not free to send: at most a few messages a second
      const now = Date.now();
      if (now - last < 200 && done < total) return;
      last = now;
      send({ type: 'progress', id, done, total, detail });
    });
    send({ type: 'result', id, result });
  } catch (error) {
    send({ type: 'error', id, message: (error as Error)?.message ?? String(error), stack: (error as Error)?.stack });
  }
});

send({ type: 'ready' });
