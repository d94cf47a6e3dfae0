import { CliError, type Command } from '../command';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'Upload folders into a staging batch',
  usage: 'batch-desk ingest',
  async run() {
    throw new CliError('batch-desk ingest is not available yet.');
  },
};
