import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { pruneReports } from '../../../harness/cli/commands/clean.js';
import { renderReports } from '../../../harness/cli/commands/report.js';
import { InvalidInputError } from '../../../harness/errors.js';
import { overridesFromEnv, overridesToEnv } from '../../../harness/experiment/overrides.js';
import { Clock } from '../../../harness/history/clock.js';
import type { HistoryEvent } from '../../../harness/history/events.js';
import { History } from '../../../harness/history/history.js';
import { renderConsole } from '../../../harness/reporters/console.js';
import { writeJournal } from '../../../harness/reporters/journal.js';
import { readJournal, type JournalVerdict, type Provenance } from '../../../harness/reporters/journal-schema.js';
import { junitReporter, renderJunit } from '../../../harness/reporters/junit.js';
import { markdownReporter } from '../../../harness/reporters/markdown.js';
import { saveContainerLogs, savedContainerLogs } from '../../../harness/reporters/container-logs.js';
import { htmlReporter } from '../../../harness/reporters/html/index.js';
import { runReporters } from '../../../harness/reporters/multiplexer.js';
import { parseReporterList, reporterNames } from '../../../harness/reporters/registry.js';
import { renderRunReports } from '../../../harness/reporters/render-run.js';
import { replicationModeOf } from '../../../harness/reporters/report-data.js';
import type { Reporter } from '../../../harness/reporters/reporter.js';
import { runCli } from '../../support/cli.js';
import { referenceStack } from '../../../harness/stack/reference-stack.js';

const T0 = 1_800_000_000_000;
const PROVENANCE: Provenance = {
  collectedAt: new Date(T0).toISOString(),
  harness: { name: 'epj-chaos', version: '0.1.0', commit: null },
  tools: { pinned: null, node: process.version, docker: null },
  images: null,
  host: { os: 'Linux', platform: 'linux', kernel: '6.1.0', arch: 'x64', distro: null, cpus: 2, cpuModel: null, totalMemoryBytes: 2 ** 30 },
  problems: [],
};

/** A reason with everything XML and Markdown tables must escape. */
const HOSTILE = `admissions <site B> & "notes" 'lost' | 3 of 4`;

const VERDICTS: JournalVerdict[] = [
  {
    checker: 'lookups stay up',
    status: 'pass',
    summary: 'pass: 0 fail, 0 unknown, 1 pass of 1',
    children: [{ checker: 'availability', status: 'pass', summary: 'journal-lookup 99.90 % during fault' }],
  },
  {
    checker: 'admissions recover',
    status: 'fail',
    summary: 'fail: 1 fail, 0 unknown, 1 pass of 2',
    children: [
      {
        checker: 'rto',
        status: 'pass',
        summary: 'journal-lookup after power: recovered in 1.0 min',
        details: { fn: 'journal-lookup', fault: 'power', rtoMs: 2000, rtoSplit: { scriptedMs: 60_000, measuredMs: 1500 } },
      },
      {
        checker: 'rto',
        status: 'fail',
        summary: HOSTILE,
        details: { fn: 'admission', fault: 'power', rtoMs: null, rtoSplit: null },
      },
    ],
  },
  {
    checker: 'lost writes',
    status: 'fail',
    summary: '1 lost; 40 writes acknowledged (lost by function: clinical-note 1)',
    details: {
      attempted: 41,
      present: 40,
      counts: { kept: 39, lost: 1 },
      lost: [{ writeId: 'w-1', fn: 'clinical-note', resourceType: 'DocumentReference', resourceId: 'doc-77', acknowledgedAt: T0 + 3000, scenarioMs: 180_000 }],
      lostByFunction: { 'clinical-note': 1 },
      duplicates: [],
      writes: [],
    },
  },
  { checker: 'staleness measured', status: 'unknown', summary: 'unknown: 0 fail, 1 unknown, 0 pass of 1', children: [{ checker: 'staleness', status: 'unknown', summary: 'no probe answered during the fault' }] },
];

function constructedHistory(): History {
  const events: HistoryEvent[] = [];
  const stamp = (t: number) => ({ t, scenarioMs: (t - T0) * 60, clockMark: 'scripted' as const });
  for (const [i, name] of ['baseline', 'fault', 'recovery'].entries()) events.push({ kind: 'phase', name, ...stamp(T0 + i * 1000) } as HistoryEvent);
  events.push({ kind: 'note', message: 'done', ...stamp(T0 + 5000) } as HistoryEvent);
  return History.from(events, new Clock(60, T0));
}

async function writeTestJournal(root: string, runId: string, verdicts = VERDICTS): Promise<string> {
  return writeJournal(
    {
      experiment: 'Site A power cut',
      status: 'failed',
      reason: 'a check failed',
      runId,
      verdicts,
      history: constructedHistory(),
      seed: 4242,
      definition: referenceStack({ replication: 'remote_apply' }),
      provenance: PROVENANCE,
    },
    root,
  );
}

type XmlNode = Record<string, unknown>;
const asArray = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

describe('reporters: junit.xml, summary.md, console, report, clean --reports', () => {
  let root: string;
  let journalFile: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'epj-chaos-reports-'));
    journalFile = await writeTestJournal(root, 'unit77');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('junit.xml: well-formed, one testcase per check, fail = failure with the reason, unknown = error, properties', async () => {
    const journal = await readJournal(journalFile);
    const xml = renderJunit(journal);
    expect(XMLValidator.validate(xml)).to.equal(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml) as XmlNode;
    const suites = asArray((doc.testsuites as XmlNode).testsuite as XmlNode | XmlNode[]);
    expect(suites).to.have.length(1);
    const suite = suites[0]!;
    expect(suite['@name']).to.equal('Site A power cut');
    const cases = asArray(suite.testcase as XmlNode | XmlNode[]);
    expect(cases.map((c) => c['@name'])).to.deep.equal(VERDICTS.map((v) => v.checker));
    for (const c of cases) expect(c['@classname']).to.equal('Site A power cut');
    const byName = new Map(cases.map((c) => [c['@name'] as string, c]));
    expect(byName.get('lookups stay up')).to.not.have.any.keys('failure', 'error');
    const admissions = byName.get('admissions recover')!.failure as XmlNode;
    // the reason is the leaves that are not pass, escaped by the builder and read back intact
    expect(admissions['@message']).to.equal(`fail: ${HOSTILE}`);
    expect((byName.get('lost writes')!.failure as XmlNode)['@message']).to.contain('1 lost');
    const unknown = byName.get('staleness measured')!;
    expect(unknown).to.not.have.property('failure');
    expect((unknown.error as XmlNode)['@message']).to.equal('unknown: no probe answered during the fault');
    expect([suite['@tests'], suite['@failures'], suite['@errors']].map(Number)).to.deep.equal([4, 2, 1]);
    const props = Object.fromEntries(asArray((suite.properties as XmlNode).property as XmlNode | XmlNode[]).map((p) => [p['@name'], p['@value']]));
    expect(props).to.include({ 'run id': 'unit77', stack: 'reference', 'replication mode': 'remote_apply', 'time scale': '60', seed: '4242', status: 'failed' });
  });

  it('summary.md: every check with its verdict and reason, RTO scripted + measured, lost writes, the journal path', async () => {
    const [file] = await markdownReporter().onEnd!(await readJournal(journalFile), path.dirname(journalFile));
    expect(file).to.equal(path.join(root, 'unit77', 'summary.md'));
    const md = await readFile(file!, 'utf8');
    expect(md).to.contain('## Site A power cut');
    expect(md).to.contain('**Status:** failed');
    // the options the stack was resolved with (--set), and where its definition came from
    expect(md).to.match(/^Stack options: replication=remote_apply, integrations=site-a, .*loadScale=1 \(bundled reference\)$/m);
    for (const v of VERDICTS) expect(md).to.match(new RegExp(`^\\| ${v.checker} \\| (PASS|FAIL|UNKNOWN) \\|`, 'm'));
    expect(md).to.contain('| staleness measured | UNKNOWN | unknown: no probe answered during the fault |');
    // the pipe in the reason is escaped, so the table keeps three columns
    expect(md).to.contain('\\| 3 of 4');
    expect(md).to.contain('scripted 1.0 min + measured 1.5 s');
    expect(md).to.contain('| clinical-note | DocumentReference/doc-77 |');
    expect(md).to.contain(`Journal: \`${journalFile}\``);
    expect(md).to.not.contain('Container logs');
  });

  it('container logs saved beside the journal are listed in summary.md and linked from index.html', async () => {
    const dir = path.dirname(journalFile);
    const containers = ((await readJournal(journalFile)).definition as { containers: { name: string; site: string; role: string }[] }).containers;
    const [first, second, ...rest] = containers;
    expect(rest, 'a definition with more containers than logs').to.not.be.empty;
    await saveContainerLogs(dir, [
      { ...second!, text: '' },
      { ...first!, text: '2026-11-29T10:00:00.000000000Z LOG:  database system is ready to accept connections\n' },
    ]);
    const named = [first!.name, second!.name].sort();
    expect(await savedContainerLogs(dir)).to.deep.equal(named);
    expect(await readFile(path.join(dir, 'logs', `${first!.name}.log`), 'utf8')).to.match(/ready to accept connections/);
    const [md] = await markdownReporter().onEnd!(await readJournal(journalFile), dir);
    expect(await readFile(md!, 'utf8')).to.contain(`Container logs (scrubbed) beside it in \`logs/\`: ${named.map((n) => `\`${n}.log\``).join(', ')}`);
    const [html] = await htmlReporter().onEnd!(await readJournal(journalFile), dir);
    const page = await readFile(html!, 'utf8');
    for (const c of [first!, second!]) expect(page).to.contain(`<a href="logs/${c.name}.log">log</a>`);
    for (const c of rest) expect(page).to.not.contain(`logs/${c.name}.log`);
    expect(await savedContainerLogs(path.join(root, 'nowhere'))).to.deep.equal([]);
  });

  it('console: status, each check, where the reports are', async () => {
    const text = renderConsole(await readJournal(journalFile), path.dirname(journalFile));
    expect(text.split('\n')[0]).to.equal('Site A power cut: failed (a check failed)');
    for (const v of VERDICTS) expect(text).to.contain(v.checker);
    expect(text).to.contain(`reports: ${path.dirname(journalFile)}`);
  });

  it('a reporter that throws is isolated: the others still write, the failure is returned and said in one line naming it', async () => {
    const journal = await readJournal(journalFile);
    const boom: Reporter = {
      name: 'boom',
      onEnd: async () => {
        throw new Error('renderer exploded');
      },
    };
    const silent: Reporter = { name: 'silent' }; // every hook is optional
    const lines: string[] = [];
    const dir = path.dirname(journalFile);
    const out = await runReporters([boom, junitReporter(), silent, markdownReporter()], journal, dir, (l) => lines.push(l));
    expect(out.files.map((f) => path.basename(f))).to.deep.equal(['junit.xml', 'summary.md']);
    expect(out.failures.map((f) => f.reporter)).to.deep.equal(['boom']);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.contain('boom').and.to.contain('renderer exploded');
    expect((await readdir(dir)).sort()).to.deep.equal(['journal.json', 'junit.xml', 'summary.md']);
  });

  it('after a run: renders from the journal read back, and never throws (a run\'s status and exit code stay its own)', async () => {
    const lines: string[] = [];
    const out = await renderRunReports(journalFile, ['junit', 'markdown'], (l) => lines.push(l));
    expect(out.failures).to.deep.equal([]);
    expect(out.files.map((f) => path.basename(f))).to.deep.equal(['junit.xml', 'summary.md']);
    const missing = await renderRunReports(path.join(root, 'nope', 'journal.json'), undefined, (l) => lines.push(l));
    expect(missing.files).to.deep.equal([]);
    expect(lines.join('\n')).to.contain(path.join(root, 'nope', 'journal.json'));
  });

  it('report: re-renders the same files from the journal alone (a run dir, a journal, a reports root, --out)', async () => {
    const dir = path.dirname(journalFile);
    await renderRunReports(journalFile, ['junit', 'markdown'], () => {});
    const before = { junit: await readFile(path.join(dir, 'junit.xml'), 'utf8'), md: await readFile(path.join(dir, 'summary.md'), 'utf8') };
    await rm(path.join(dir, 'junit.xml'));
    await rm(path.join(dir, 'summary.md'));

    const out = await renderReports(dir, { reporters: ['junit', 'markdown'] });
    expect(out.journals).to.deep.equal([journalFile]);
    expect(await readFile(path.join(dir, 'junit.xml'), 'utf8')).to.equal(before.junit);
    expect(await readFile(path.join(dir, 'summary.md'), 'utf8')).to.equal(before.md);

    expect((await renderReports(journalFile, { reporters: ['junit'] })).files).to.deep.equal([path.join(dir, 'junit.xml')]);

    // a reports root: every run in it (not other directories), each into its own directory
    const second = await writeTestJournal(root, 'unit78');
    await mkdir(path.join(root, 'not-a-run'));
    const all = await renderReports(root, { reporters: ['junit'] });
    expect(all.journals).to.deep.equal([journalFile, second]);
    expect(all.files).to.deep.equal([path.join(dir, 'junit.xml'), path.join(root, 'unit78', 'junit.xml')]);
    expect(await readdir(path.join(root, 'not-a-run'))).to.deep.equal([]);

    const elsewhere = path.join(root, 'elsewhere');
    const moved = await renderReports(root, { reporters: ['markdown'], out: elsewhere });
    expect(moved.files).to.deep.equal([path.join(elsewhere, 'unit77', 'summary.md'), path.join(elsewhere, 'unit78', 'summary.md')]);
  });

  it('the CLI: `epj-chaos report <run dir>` writes the reports (no Docker: DOCKER_HOST points nowhere), `--reporter bogus` is exit 2', async function () {
    this.timeout(30_000);
    const dir = path.dirname(journalFile);
    const r = await runCli(['report', dir, '--reporter', 'junit,markdown,console'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain(`wrote ${path.join(dir, 'junit.xml')}`).and.to.contain('Site A power cut: failed');
    expect((await readdir(dir)).sort()).to.deep.equal(['journal.json', 'junit.xml', 'summary.md']);
    const bad = await runCli(['report', dir, '--reporter', 'bogus']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain("unknown reporter 'bogus'");
  });

  it('report: a missing or invalid journal is bad input naming the file and the field', async () => {
    const err = await renderReports(path.join(root, 'nothing-here')).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidInputError);
    const bad = path.join(root, 'broken', 'journal.json');
    await mkdir(path.dirname(bad));
    const j = JSON.parse(await readFile(journalFile, 'utf8')) as Record<string, unknown>;
    delete j.verdicts;
    await writeFile(bad, JSON.stringify(j));
    const out = await renderReports(path.dirname(bad));
    expect(out.invalid).to.have.length(1);
    const message = (out.invalid[0]!.error as Error).message;
    expect(message).to.contain(bad).and.to.contain('verdicts');
  });

  it('--reporter / EPJ_CHAOS_REPORTERS: known names only, the unknown one named with the known ones', () => {
    // the default set, in the order it runs: the files first, the console block saying where they are last
    expect(reporterNames()).to.deep.equal(['html', 'junit', 'markdown', 'console']);
    expect(parseReporterList('junit, markdown,junit')).to.deep.equal(['junit', 'markdown']);
    expect(() => parseReporterList('junit,bogus')).to.throw(InvalidInputError, "--reporter: unknown reporter 'bogus'");
    try {
      parseReporterList('bogus');
    } catch (e) {
      expect((e as InvalidInputError).hint).to.equal(`known: ${reporterNames().join(', ')}`);
    }
    expect(() => parseReporterList(' , ')).to.throw(InvalidInputError, 'name at least one reporter');
    expect(overridesFromEnv(overridesToEnv({ reporters: ['junit', 'console'] })).reporters).to.deep.equal(['junit', 'console']);
    expect(overridesFromEnv({}).reporters).to.equal(undefined);
    expect(() => overridesFromEnv({ EPJ_CHAOS_REPORTERS: 'pdf' })).to.throw(InvalidInputError, "EPJ_CHAOS_REPORTERS: unknown reporter 'pdf'");
  });

  it('the replication mode is read from the stack definition', async () => {
    const j = await readJournal(journalFile);
    expect(replicationModeOf(j)).to.equal('remote_apply');
    expect(replicationModeOf({ ...j, definition: referenceStack() as unknown as Record<string, unknown> })).to.equal('async');
    expect(replicationModeOf({ ...j, definition: null })).to.equal(null);
  });

  it('clean --reports --keep 1: removes the older run directories, keeps the newest, touches nothing else', async () => {
    const reports = path.join(root, 'reports');
    for (const [id, day] of [['old1', '01'], ['newest', '03'], ['old2', '02']] as const) {
      await mkdir(path.join(reports, id), { recursive: true });
      await writeFile(path.join(reports, id, 'journal.json'), JSON.stringify({ startedAt: `2026-11-${day}T10:00:00.000Z` }));
      await writeFile(path.join(reports, id, 'summary.md'), 'x');
    }
    await mkdir(path.join(reports, 'notes'));
    await writeFile(path.join(reports, 'notes', 'readme.txt'), 'mine');
    await writeFile(path.join(reports, '2026-11-29T15-52-36-715Z-old-style.json'), '{}');
    const removed = await pruneReports(reports, 1);
    expect(removed.map((r) => r.id)).to.deep.equal(['old2', 'old1']);
    expect((await readdir(reports)).sort()).to.deep.equal(['2026-11-29T15-52-36-715Z-old-style.json', 'newest', 'notes']);
    expect(await readdir(path.join(reports, 'newest'))).to.have.members(['journal.json', 'summary.md']);
    expect(await pruneReports(reports, 1)).to.deep.equal([]);
    expect(await pruneReports(path.join(root, 'no-reports-yet'), 1)).to.deep.equal([]);
  });
});
