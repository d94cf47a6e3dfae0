import { CliError, type Command } from '../command';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the operator console in a browser (web mode)',
  usage: 'batch-desk serve',
  async run() {
    throw new CliError('batch-desk serve is not available yet.');
  },
};
