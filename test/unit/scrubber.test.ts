import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Clock } from '../../harness/history/clock.js';
import { History } from '../../harness/history/history.js';
import { writeJournal } from '../../harness/reporters/journal.js';
import { looksSecret, REDACTED, Scrubber, secretValues } from '../../harness/reporters/scrubber.js';

const TOKEN = 's3cr3t-tok-unit-4f1c9a';
const DB_PASSWORD = 'hunter2-secret-unit';
const DATABASE_URL = `postgres://admin:${DB_PASSWORD}@127.0.0.1:5/x`;
const AWS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY-unit';

describe('secret scrubber', () => {
  it('takes secret-looking names by their segments, not by any substring', () => {
    for (const name of ['EPJ_API_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'PGPASSWORD', 'DB_PASS', 'GITHUB_TOKENS', 'vault.credential', 'API-KEY']) {
      expect(looksSecret(name), name).to.equal(true);
    }
    for (const name of ['PATH', 'HOME', 'PWD', 'npm_package_keywords', 'DATABASE_URL', 'EPJ_CHAOS_DEBUG', 'KEYBOARD_LAYOUT']) {
      expect(looksSecret(name), name).to.equal(false);
    }
  });

  it('collects values of secret-looking variables and passwords of URL-valued ones, skipping short values', () => {
    const values = secretValues({ EPJ_API_TOKEN: TOKEN, DATABASE_URL, AWS_SECRET_ACCESS_KEY: AWS_KEY, HOME: '/root', FEATURE_KEY: 'on', PATH: '/usr/bin' });
    expect(values).to.include.members([TOKEN, DB_PASSWORD, AWS_KEY]);
    expect(values).to.not.include('/root').and.to.not.include('on').and.to.not.include('/usr/bin');
  });

  it('replaces every occurrence, URL userinfo included, and leaves the rest alone', () => {
    const scrubber = new Scrubber(secretValues({ EPJ_API_TOKEN: TOKEN, DATABASE_URL }));
    const text = `token ${TOKEN} twice ${TOKEN}; db ${DATABASE_URL}; bare password ${DB_PASSWORD}; other https://bob:pw@example.org/x and http://127.0.0.1:8080/fhir`;
    const out = scrubber.scrub(text);
    expect(out).to.not.contain(TOKEN).and.to.not.contain(DB_PASSWORD).and.to.not.contain('bob:pw');
    expect(out).to.contain(`postgres://${REDACTED}@127.0.0.1:5/x`);
    expect(out).to.contain(`https://${REDACTED}@example.org/x`);
    expect(out).to.contain('http://127.0.0.1:8080/fhir');
    expect(out).to.contain(`token ${REDACTED} twice ${REDACTED}`);
  });

  it('scrubs inside JSON, where quotes and backslashes in a secret are escaped', () => {
    const awkward = 'pa"ss\\word-42';
    const scrubber = new Scrubber(secretValues({ ODD_PASSWORD: awkward }));
    const json = scrubber.stringify({ nested: { message: `login with ${awkward}` }, list: [awkward] });
    expect(json).to.not.contain(awkward).and.to.not.contain(JSON.stringify(awkward).slice(1, -1));
    expect(JSON.parse(json)).to.deep.equal({ nested: { message: `login with ${REDACTED}` }, list: [REDACTED] });
  });

  it('the journal writer runs everything through it', async () => {
    const saved = { ...process.env };
    const dir = await mkdtemp(path.join(tmpdir(), 'epj-chaos-journal-'));
    try {
      Object.assign(process.env, { EPJ_API_TOKEN: TOKEN, DATABASE_URL, AWS_SECRET_ACCESS_KEY: AWS_KEY });
      const history = new History(new Clock(1));
      history.record({ kind: 'note', message: `connecting with ${DATABASE_URL} and bearer ${TOKEN}` });
      history.record({ kind: 'note', message: `aws said: ${AWS_KEY} is invalid` });
      const file = await writeJournal({ experiment: `unit ${TOKEN}`, status: 'completed', runId: 'unit', verdicts: [], history }, dir);
      expect(path.relative(dir, file)).to.equal(path.join('unit', 'journal.json'));
      const text = await readFile(file, 'utf8');
      for (const secret of [TOKEN, DB_PASSWORD, AWS_KEY]) {
        expect(text, secret).to.not.contain(secret);
        expect(path.relative(dir, file), secret).to.not.contain(secret.toLowerCase());
      }
      expect(text).to.contain(`postgres://${REDACTED}@127.0.0.1:5/x`).and.to.contain(`bearer ${REDACTED}`);
    } finally {
      for (const k of ['EPJ_API_TOKEN', 'DATABASE_URL', 'AWS_SECRET_ACCESS_KEY']) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      await rm(dir, { recursive: true, force: true });
    }
  });
});
