import { CliError, type Command } from '../command';

export const runCommand: Command = {
  name: 'run',
  summary: 'Whole pipeline: ingest, process with a Workflow, export, join results',
  usage: 'batch-desk run',
  async run() {
    throw new CliError('batch-desk run is not available yet.');
  },
};
