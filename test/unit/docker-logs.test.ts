import { expect } from 'chai';
import { demux } from '../../harness/docker/logs.js';

describe('docker log demultiplexing', () => {
  const frame = (stream: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it('joins stdout and stderr frames in order', () => {
    expect(demux(Buffer.concat([frame(1, 'ready\n'), frame(2, 'FATAL: bad\n')]))).to.equal('ready\nFATAL: bad\n');
  });

  it('passes raw (TTY) output through', () => {
    expect(demux(Buffer.from('plain text\n'))).to.equal('plain text\n');
  });
});
