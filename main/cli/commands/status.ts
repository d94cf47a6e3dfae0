import { CliError, type Command } from '../command';

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show items and their progress',
  usage: 'batch-desk status',
  async run() {
    throw new CliError('batch-desk status is not available yet.');
  },
};
