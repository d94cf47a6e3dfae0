import type { Command } from '../command';
import { ingestCommand } from './ingest';
import { resumeCommand } from './resume';
import { statusCommand } from './status';
import { runCommand } from './run';
import { processCommand } from './process';
import { exportCommand } from './export';
import { jobsCommand } from './jobs';
import { logsCommand } from './logs';
import { serveCommand } from './serve';
import { watchCommand } from './watch';

export const COMMANDS: Command[] = [
  ingestCommand,
  runCommand,
  processCommand,
  exportCommand,
  resumeCommand,
  statusCommand,
  jobsCommand,
  logsCommand,
  watchCommand,
  serveCommand,
];
