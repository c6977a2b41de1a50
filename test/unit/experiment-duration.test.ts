import { expect } from 'chai';
import { InvalidInputError } from '../../harness/errors.js';
import { formatScenarioDuration, parseDuration } from '../../harness/experiment/duration.js';

describe('experiment: durations as people write them', () => {
  const cases: [string | number, number][] = [
    ['0', 0],
    ['250 ms', 250],
    ['90 s', 90_000],
    ['1.5s', 1500],
    ['27 min', 27 * 60_000],
    ['3.5 h', 3.5 * 3_600_000],
    ['1 h 30 min', 90 * 60_000],
    ['2 minutes', 120_000],
    [' 31 MIN ', 31 * 60_000],
    [1500, 1500],
  ];
  for (const [text, ms] of cases) it(`reads ${JSON.stringify(text)} as ${ms} ms`, () => expect(parseDuration(text)).to.equal(ms));

  for (const bad of ['', 'soon', '27', 'min', '5 fortnights', '3 h and a bit', '-5 min', '1e3 s']) {
    it(`refuses ${JSON.stringify(bad)}, naming it`, () => {
      expect(() => parseDuration(bad, 'timeline step 3')).to.throw(InvalidInputError, `timeline step 3: '${bad}' is not a duration`);
    });
  }
  it('refuses a negative or infinite number of ms', () => {
    expect(() => parseDuration(-1)).to.throw(InvalidInputError);
    expect(() => parseDuration(Infinity)).to.throw(InvalidInputError);
  });

  it('words a duration back in the same units', () => {
    expect(formatScenarioDuration(90 * 60_000)).to.equal('1 h 30 min');
    expect(formatScenarioDuration(27 * 60_000)).to.equal('27 min');
    expect(formatScenarioDuration(1500)).to.equal('1.5 s');
    expect(formatScenarioDuration(250)).to.equal('250 ms');
    expect(formatScenarioDuration(0)).to.equal('0');
    for (const ms of [90 * 60_000, 27 * 60_000, 1500, 250, 3_723_000]) expect(parseDuration(formatScenarioDuration(ms))).to.equal(ms);
  });
});
