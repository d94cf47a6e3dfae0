// A tiny structured logger. Every line is redacted, so the API key never reaches a log.

import fs from 'node:fs';
import path from 'node:path';
import { redact } from './secrets';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

export interface LogSink {
  write(line: string): void;
}

export function fileSink(filePath: string): LogSink {
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  const fd = fs.openSync(filePath, 'a', 0o600);
  return { write: (line) => fs.writeSync(fd, line + '\n') };
}

export function createLogger(sinks: LogSink[], minLevel: LogLevel = 'info', scope = 'app'): Logger {
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[minLevel] || sinks.length === 0) return;
    const line = redact(JSON.stringify({ t: new Date().toISOString(), level, scope, msg, ...fields }));
    for (const s of sinks) s.write(line);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (s) => createLogger(sinks, minLevel, `${scope}.${s}`),
  };
}

export const silentLogger: Logger = createLogger([]);
