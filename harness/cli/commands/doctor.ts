import type { CommandModule } from 'yargs';
import { diagnose } from '../../doctor/checks.js';

export const doctorCommand: CommandModule = {
  command: 'doctor',
  describe: 'Check every prerequisite (Node, Docker daemon, Go, debootstrap, Toxiproxy, images) and say how to fix what is missing',
  handler: async () => {
    const results = await diagnose();
    for (const r of results) {
      console.log(`${r.ok ? 'OK     ' : 'MISSING'} ${r.name.padEnd(34)} ${r.version ?? ''}`);
      if (!r.ok && r.fix) console.log(`        fix: ${r.fix}`);
    }
    const missing = results.filter((r) => !r.ok).length;
    if (missing > 0) {
      console.log(`\n${missing} prerequisite(s) missing`);
      process.exitCode = 1;
    } else console.log('\nall prerequisites present');
  },
};
