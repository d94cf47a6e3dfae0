import { CliError, type Command } from '../command';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Download a job’s results into a folder',
  usage: 'batch-desk export',
  async run() {
    throw new CliError('batch-desk export is not available yet.');
  },
};
