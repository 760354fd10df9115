// `npm run fuzz`: a longer fuzz run than the fixed-seed tests, with a seed of your choice.
//
//   npm run fuzz                                  # both, random seed, 60 s each
//   npm run fuzz -- --seconds 300 --only http     # five minutes of HTTP
//   npm run fuzz -- --seed 42 --runs 2000         # reproducible: same seed, same inputs
//   npm run fuzz -- --only http --seed 42 --path 1234   # replay the batch a finding printed
//
// Prints every finding (its first input, how often it was seen, how to replay it), the inputs tried
// per route and the routes covered, and exits 1 when it found something known.ts does not explain.
// FUZZ_DEBUG=1 also prints every request with its answer, and every acknowledgement.
import { parseArgs } from 'node:util';
import { formatFinding, type Finding } from './lib/findings.js';
import { formatHttpReport, fuzzHttp } from './lib/http-fuzz.js';
import { KNOWN_FINDINGS } from './lib/known.js';
import { formatSocketReport, fuzzSockets } from './lib/socket-fuzz.js';

const HELP = `Usage: npm run fuzz -- [--seed N] [--runs N | --seconds N] [--only http|socket] [--path P] [--strict]

  --seed N      the seed (default: random, printed)
  --runs N      property runs per target (HTTP: a batch of 1-4 requests; socket: a batch of actions)
  --seconds N   time per target (default 60 when --runs is not given)
  --only T      http or socket
  --path P      replay one run (with --seed and --only), as printed with a finding
  --strict      known findings fail the run too`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      runs: { type: 'string' },
      seconds: { type: 'string' },
      only: { type: 'string' },
      path: { type: 'string' },
      strict: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${v}`);
    return n;
  };
  const seed = num('seed', values.seed) ?? Math.floor(Math.random() * 2 ** 31);
  const runs = num('runs', values.runs);
  const seconds = num('seconds', values.seconds) ?? (runs === undefined ? 60 : undefined);
  const only = values.only;
  if (only !== undefined && only !== 'http' && only !== 'socket') throw new Error('--only is http or socket');
  if (values.path && !only) throw new Error('--path replays one target: add --only http or --only socket');
  const log = (line: string) => console.log(`  · ${line}`);
  console.log(
    values.path
      ? `fuzz: replaying run ${values.path} of seed ${seed} (${only}) on a fresh server`
      : `fuzz: seed ${seed}${runs !== undefined ? `, ${runs} runs` : ''}${seconds !== undefined ? `, at most ${seconds} s` : ''} per target`,
  );

  const fresh: Finding[] = [];
  const known: Finding[] = [];
  if (only !== 'socket') {
    const report = await fuzzHttp({ seed, runs, seconds, path: values.path, log });
    console.log(`\n${formatHttpReport(report)}`);
    fresh.push(...report.findings);
    known.push(...report.known);
  }
  if (only !== 'http') {
    const report = await fuzzSockets({ seed, runs, seconds, path: values.path, log });
    console.log(`\n${formatSocketReport(report)}`);
    fresh.push(...report.findings);
    known.push(...report.known);
  }

  console.log(`\n${fresh.length} new finding(s), ${known.length} known`);
  for (const f of fresh) console.log(`\n${formatFinding(f)}`);
  for (const f of known) console.log(`\n${formatFinding(f)}`);
  if (!values.path) {
    const seen = new Set(known.map((f) => f.known!.id));
    for (const k of KNOWN_FINDINGS) if (!seen.has(k.id) && (only === undefined || k.target === 'both' || only === k.target)) console.log(`\nknown finding ${k.id} was not seen in this run: if it is fixed, delete it from test/fuzz/lib/known.ts`);
  }
  return fresh.length > 0 || (values.strict && known.length > 0) ? 1 : 0;
}

// Ctrl-C or a `timeout`: exit through process.exit, so the servers started are killed with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
// A closed stdout (`npm run fuzz | head`) must not leave a server behind either.
process.stdout.on('error', () => process.exit(0));

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
