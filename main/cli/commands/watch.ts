import { CliError, type Command } from '../command';

export const watchCommand: Command = {
  name: 'watch',
  summary: 'Watch a folder and process files as they arrive',
  usage: 'batch-desk watch',
  async run() {
    throw new CliError('batch-desk watch is not available yet.');
  },
};
