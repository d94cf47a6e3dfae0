import { CliError, type Command } from '../command';

export const resumeCommand: Command = {
  name: 'resume',
  summary: 'Continue every unfinished item from its journal',
  usage: 'batch-desk resume',
  async run() {
    throw new CliError('batch-desk resume is not available yet.');
  },
};
