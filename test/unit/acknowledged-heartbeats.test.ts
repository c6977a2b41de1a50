import { expect } from 'chai';
import { AcknowledgedHeartbeats } from '../../harness/probes/acknowledged-heartbeats.js';

describe('a reader\'s lag behind the primary, from the heartbeats the primary acknowledged', () => {
  it('is 0 while the reader shows every heartbeat acknowledged before the read, whatever their age', () => {
    const acks = new AcknowledgedHeartbeats();
    acks.acknowledge(1000, 1005);
    acks.acknowledge(1200, 1204);
    expect(acks.lagAt(1210, 1200)).to.equal(0);
    // the primary restarts for 3 s and takes no heartbeat: the replica's staleness grows, its lag does not
    expect(acks.lagAt(4200, 1200)).to.equal(0);
  });

  it('counts from the acknowledgement, not the stamp: a heartbeat sent during a restart is taken only after it', () => {
    const acks = new AcknowledgedHeartbeats();
    acks.acknowledge(1000, 1005);
    // sent at 2000 while the primary was down, taken at 3400 once it was back
    acks.acknowledge(2000, 3400);
    expect(acks.lagAt(3300, 1000), 'a read sent before it was taken').to.equal(0);
    expect(acks.lagAt(3600, 1000)).to.equal(200);
    expect(acks.lagAt(3600, 2000)).to.equal(0);
  });

  it('counts from the oldest heartbeat the reader does not show; null before it showed any', () => {
    const acks = new AcknowledgedHeartbeats();
    for (let at = 0; at <= 1000; at += 200) acks.acknowledge(at, at + 10);
    expect(acks.lagAt(1100, 400)).to.equal(1100 - 610);
    expect(acks.lagAt(1100, null)).to.equal(null);
  });

  it('forgets what every reader shows, and keeps what one may still lack', () => {
    const acks = new AcknowledgedHeartbeats();
    for (let at = 0; at <= 1000; at += 200) acks.acknowledge(at, at + 10);
    acks.forget(600);
    expect(acks.size).to.equal(2);
    expect(acks.lagAt(1100, 600)).to.equal(1100 - 810);
  });
});
