import net from 'node:net';
import { InvalidInputError } from '../errors.js';

/** A fixed port asked for by the user must be free on 127.0.0.1 before anything is created. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new InvalidInputError(`port ${port} on 127.0.0.1 (${what}) is already in use`, 'choose another port or stop what holds it'));
      } else if (err.code === 'EACCES') {
        reject(new InvalidInputError(`port ${port} on 127.0.0.1 (${what}) needs privileges`, 'choose a port above 1024'));
      } else reject(err);
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
