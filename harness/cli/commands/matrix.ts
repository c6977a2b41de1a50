import type { CommandModule } from 'yargs';
import { EXIT } from '../../errors.js';
import { stackWithOverrides } from '../../experiment/overrides.js';
import { matrixCells, type MatrixCell } from '../../matrix/cells.js';
import { loadExpectations } from '../../matrix/expectations.js';
import { runMatrix } from '../../matrix/run-matrix.js';
import { writeMatrix } from '../../matrix/write.js';
import { parseStackDefinition } from '../../stack/definition.js';
import { referenceStack, type ReplicationMode } from '../../stack/reference-stack.js';
import { oneValue, replicationFlag, SET_FLAG_HELP, setFlag } from './stack.js';

interface Args {
  stack?: string;
  replication?: string;
  set?: Record<string, string>;
  faults?: string[];
  targets?: string[];
  quick?: boolean;
  list?: boolean;
  expect?: string;
  'report-dir'?: string;
}

const listFlag = (flag: string) => (value: unknown): string[] => {
  const items = oneValue(flag)(value).split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new Error(`--${flag}: name at least one`);
  return items;
};

/** One cell per fault kind (its first target): the matrix's shape in a few minutes, for CI. */
function quick(cells: readonly MatrixCell[]): MatrixCell[] {
  const seen = new Set<string>();
  return cells.filter((c) => !seen.has(c.fault.kind) && seen.add(c.fault.kind));
}

export const matrixCommand: CommandModule<object, Args> = {
  command: 'matrix',
  describe: 'The failure-mode matrix: every single fault × every component and link, on one stack restored between cells; matrix.json, matrix.html and the table (docs/matrix.md)',
  builder: (y) =>
    y
      .option('stack', { type: 'string', describe: 'a stack definition (JSON) instead of the reference stack', coerce: oneValue('stack') })
      .option('replication', { type: 'string', describe: "the stack's replication mode (the option `replication`, as the reference stack declares it)", coerce: replicationFlag('replication') })
      .option('set', { type: 'string', requiresArg: true, coerce: setFlag(), describe: SET_FLAG_HELP })
      .option('faults', { type: 'string', describe: 'only these fault kinds, comma-separated', coerce: listFlag('faults') })
      .option('targets', { type: 'string', describe: "only cells on these containers, links or sites, comma-separated ('wan' for the faults between sites)", coerce: listFlag('targets') })
      .option('quick', { type: 'boolean', describe: 'one cell per fault kind (for CI)' })
      .option('list', { type: 'boolean', describe: 'print the cells and start nothing' })
      .option('expect', { type: 'string', describe: 'a file of promises ("this function survives that fault"); exit 1 when one is broken', coerce: oneValue('expect') })
      .option('report-dir', { type: 'string', describe: 'where the matrix goes (default reports/)', coerce: oneValue('report-dir') }),
  handler: async (args) => {
    const stack = await stackWithOverrides(referenceStack(), {
      ...(args.stack ? { stackFile: args.stack } : {}),
      ...(args.replication ? { replication: args.replication as ReplicationMode } : {}),
      ...(args.set ? { settings: args.set } : {}),
    });
    const definition = parseStackDefinition(stack, args.stack);
    let cells = matrixCells(definition, { ...(args.faults ? { faults: args.faults } : {}), ...(args.targets ? { targets: args.targets } : {}) });
    if (args.quick) cells = quick(cells);
    // everything that can be wrong with the input is found before a stack comes up
    const expectations = args.expect ? await loadExpectations(args.expect) : undefined;
    if (args.list) {
      for (const c of cells) console.log(`${c.id.padEnd(44)} ${c.target}`);
      console.log(`${cells.length} cells`);
      return;
    }
    const where = { ...(args['report-dir'] ? { reportDir: args['report-dir'] } : {}), ...(expectations ? { expectations } : {}) };
    const run = await runMatrix({
      stack,
      cells,
      log: (line) => console.error(line),
      onInterrupted: async (partial) => {
        const out = await writeMatrix(partial, where);
        console.error(`interrupted: the ${partial.results.length} cell(s) measured so far are in ${out.dir}`);
      },
    });
    const out = await writeMatrix(run, where);
    console.log(out.table);
    for (const h of out.hidden) console.log(`hidden dependency: ${h.fn} (site ${h.site}) at ${(h.availability * 100).toFixed(1)} % under ${h.cell}: needs ${h.dependsOn}`);
    for (const v of out.violations) console.log(`broken promise: ${v.fn} under ${v.cell}: ${v.measured === null ? 'not measured' : `${(v.measured * 100).toFixed(1)} %`} < ${(v.expected * 100).toFixed(1)} %`);
    console.log(`\n${run.results.length} cells in ${(run.wallMs / 60_000).toFixed(1)} min; ${out.files.join(', ')}`);
    process.exitCode = out.violations.length > 0 || run.results.some((r) => r.status !== 'measured') ? EXIT.failed : EXIT.ok;
  },
};
