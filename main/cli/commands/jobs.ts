import { CliError, type Command } from '../command';

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'List jobs',
  usage: 'batch-desk jobs',
  async run() {
    throw new CliError('batch-desk jobs is not available yet.');
  },
};
