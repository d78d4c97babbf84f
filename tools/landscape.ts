// The program's command line for machines away from the pipeline: the bundle's `./landscape`
// (npm run bundle), and in the repository `node --import tsx tools/landscape.ts` (npm run
// gpu-check is its gpu-check). Each command is loaded only when asked for.
//
//   landscape gpu-check [options]         check a GPU machine (gpu-check.ts)
//   landscape worker --job FILE [...]     run one training job (worker-command.ts)
//   landscape --version                   the commit and the engine fingerprint
//   landscape worker-process              a worker of the job pool, started by the pool itself
import { canonicalJson } from '../pipeline/cache.ts';
import { BUNDLE, gitState, ROOT } from '../pipeline/root.ts';

const USAGE = `Usage: landscape <command> [options]

Commands
  gpu-check [options]    check this machine's GPU path: adapter, gradients, images/s beside
                         PyTorch (landscape gpu-check --help)
  worker --job <file>    run one training job and write its result (landscape worker --help)
  --version              the commit this was built from, the engine this machine gets and
                         the Vulkan loader it would use
  --help                 this text`;

async function version(): Promise<void> {
  const { predictFingerprint } = await import('../pipeline/engine/fingerprint.ts');
  let source: string;
  if (BUNDLE) {
    source = `${BUNDLE.commit ?? 'unknown commit'}${BUNDLE.dirty ? ' (with uncommitted changes)' : ''}, bundle built ${BUNDLE.builtAt}`;
  } else {
    const git = gitState(ROOT);
    source = `${git.commit ?? 'unknown commit'}${git.dirty ? ' (with uncommitted changes)' : ''}, repository`;
  }
  console.log(`landscape ${source}; Node ${process.version}`);
  console.log(`engine ${canonicalJson(predictFingerprint())}`);
  if (process.platform === 'linux') {
    const { findLibrary } = await import('../pipeline/engine/vulkan.ts');
    console.log(`vulkan loader ${findLibrary('libvulkan.so.1') ?? 'none (the GPU engine needs libvulkan.so.1)'}`);
  }
}

/** Runs a command; its exit code, or null for the pool's worker, which lives until the pool lets it go. */
async function main(argv: string[]): Promise<number | null> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'gpu-check':
      return (await import('./gpu-check.ts')).gpuCheck(rest);
    case 'worker':
      return (await import('./worker-command.ts')).workerCommand(rest);
    case 'worker-process':
      await import('../pipeline/workers/worker.ts');
      return null;
    case '--version':
    case 'version':
      await version();
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`landscape: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  // exit at once: a loaded Dawn or worker thread must not keep the process alive
  (code) => {
    if (code !== null) process.exit(code);
  },
  (error) => {
    console.error(`landscape: ${(error as Error)?.message ?? error}`);
    process.exit(1);
  },
);
