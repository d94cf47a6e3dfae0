import { CliError, type Command } from '../command';

export const logsCommand: Command = {
  name: 'logs',
  summary: 'Show a job’s logs',
  usage: 'batch-desk logs',
  async run() {
    throw new CliError('batch-desk logs is not available yet.');
  },
};
