import { CliError, type Command } from '../command';

export const processCommand: Command = {
  name: 'process',
  summary: 'Start a Workflow job on an existing batch',
  usage: 'batch-desk process',
  async run() {
    throw new CliError('batch-desk process is not available yet.');
  },
};
