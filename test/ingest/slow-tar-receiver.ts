// A storage stand-in for upload tests: reads a tar body slowly (pausing after each chunk for as
// long as `pauseMs` says, so the client's socket fills and its writes complete late), keeps every
// member's bytes in `received`, and answers 200 (400 with the reason if the tar is broken).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extract } from 'tar-stream';

export function slowTarReceiver(received: Map<string, Buffer>, pauseMs: (chunk: Buffer) => number) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const ex = extract();
    ex.on('entry', (h, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (c: unknown) => parts.push(c as Buffer));
      stream.on('end', () => {
        received.set(h.name, Buffer.concat(parts));
        next();
      });
    });
    ex.on('finish', () => res.end('ok'));
    ex.on('error', (e) => {
      res.statusCode = 400;
      res.end(String(e));
    });
    req.on('data', (c: Buffer) => {
      req.pause();
      ex.write(c);
      setTimeout(() => req.resume(), pauseMs(c));
    });
    req.on('end', () => ex.end(undefined));
  };
}
