// Every channel's arguments are checked in main before a handler runs: good arguments pass
// unchanged, and malformed ones are refused with a reason naming the field.
import { describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS, type InvokeChannel } from '../../shared/contract';
import { ValidationError, validateArgs } from '../../main/host/validate';

const job = { workflowId: 'my-workflow', machineType: 'gpu', maxImageFailureRate: 0.1, workflowParameters: { conf: 0.4, labels: ['a'] } };
const watch = {
  folder: '/data/in',
  filter: 'images',
  job: { workflowId: 'wf' },
  outDir: '/data/out',
  rule: { quietSeconds: 30, maxFiles: 1000, maxMinutes: 10 },
  reingestChanged: false,
};

type Case = { good: unknown[]; bad: [unknown, RegExp][] };
const ID = '20261129-072300-ab12';

const CASES: Record<InvokeChannel, Case> = {
  'app:info': { good: [{}, undefined], bad: [[{ x: 1 }, /x is not a known field/], [[], /must be an object/]] },
  'profiles:list': { good: [{}], bad: [[{ all: true }, /not a known field/]] },
  'profiles:add': {
    good: [
      { apiKey: 'abcdefgh1234', storage: 'keychain' },
      { name: 'Prod', apiKey: 'abcdefgh1234', apiUrl: 'https://api.roboflow.com', storage: 'memory' },
    ],
    bad: [
      [{ apiKey: 'abcdefgh1234' }, /storage is required/],
      [{ apiKey: 'abcdefgh1234', storage: 'disk' }, /storage must be one of keychain, memory/],
      [{ apiKey: 'short', storage: 'memory' }, /apiKey must be at least 8/],
      [{ apiKey: 'has space 1234', storage: 'memory' }, /apiKey must not contain spaces/],
      [{ apiKey: 'abcdefgh1234', storage: 'memory', apiUrl: 'file:///etc/passwd' }, /apiUrl must start with http/],
      [{ apiKey: 'abcdefgh1234', storage: 'memory', apiUrl: 'https://u:p@x.com' }, /user name or password/],
    ],
  },
  'profiles:use-demo': { good: [{}], bad: [[{ key: 'x' }, /not a known field/]] },
  'profiles:select': { good: [{ id: 'p-abc123' }], bad: [[{}, /id is required/], [{ id: '../etc' }, /id must be an id/]] },
  'profiles:remove': { good: [{ id: 'environment' }], bad: [[{ id: 42 }, /id must be text/]] },
  'settings:get': { good: [{}], bad: [[{ a: 1 }, /not a known field/]] },
  'settings:set': {
    good: [{}, { transfer: { concurrency: 4 } }, { apiUrl: 'http://127.0.0.1:9000', notifications: false, defaultJob: { machineType: 'cpu' } }, { defaultOutDir: '' }],
    bad: [
      [{ transfer: { concurrency: 0 } }, /transfer.concurrency must be from 1 to 64/],
      [{ transfer: { shardFiles: 501 } }, /shardFiles must be from 1 to 500/],
      [{ transfer: { turbo: true } }, /transfer.turbo is not a known field/],
      [{ defaultOutDir: 'relative/out' }, /defaultOutDir must be an absolute path/],
      [{ pipelineOnDrop: 'half' }, /pipelineOnDrop must be one of/],
      [{ startAtLogin: 'yes' }, /startAtLogin must be true or false/],
    ],
  },
  'queue:preview': {
    good: [{ paths: ['/a', '/b c'] }],
    bad: [[{ paths: [] }, /paths must not be empty/], [{ paths: ['rel'] }, /paths\[0\] must be an absolute path/], [{ paths: '/a' }, /must be a list/]],
  },
  'queue:add': {
    good: [
      { roots: ['/data/in'], pipeline: 'ingest' },
      { roots: ['/data/in', '/data/x.png'], pipeline: 'full', job, outDir: '/data/out', batchId: 'my-batch_1', name: 'Run 1', transfer: { bandwidthLimit: 0 } },
    ],
    bad: [
      [{ roots: ['/data/in'] }, /pipeline is required/],
      [{ roots: ['/data/in'], pipeline: 'ingest', batchId: 'Has Caps' }, /Batch id may contain only lower-case/],
      [{ roots: ['/data/in'], pipeline: 'ingest', batchId: 'x'.repeat(65) }, /at most 64 are allowed/],
      [{ roots: ['/data/in'], pipeline: 'full', job: { workflowId: 'wf', jobId: 'job-way-too-long-for-rules' } }, /Job id is 26 characters/],
      [{ roots: ['/data/in'], pipeline: 'full', job: { workflowId: 'wf', maxImageFailureRate: 2 } }, /maxImageFailureRate must be from 0 to 1/],
      [{ roots: ['/data/in'], pipeline: 'full', job: { workflowId: 'wf', workflowParameters: { f: Infinity } } }, /only finite numbers/],
      [{ roots: ['/data/in\0x'], pipeline: 'ingest' }, /NUL/],
      [{ roots: ['/data/in'], pipeline: 'ingest', extra: 1 }, /extra is not a known field/],
    ],
  },
  'queue:list': {
    good: [{}, { limit: 250 }, { after: { createdAt: '2026-11-29T07:23:00.000Z', id: ID }, limit: 1000 }],
    bad: [
      [{ page: 1 }, /not a known field/],
      [{ limit: 0 }, /limit must be from 1 to 1000/],
      [{ limit: 5000 }, /limit must be from 1 to 1000/],
      [{ after: { createdAt: 'yesterday', id: ID } }, /createdAt must be a timestamp/],
      [{ after: { createdAt: '2026-11-29T07:23:00.000Z', id: '../x' } }, /must be an id/],
      [{ after: { createdAt: '2026-11-29T07:23:00.000Z' } }, /after.id is required/],
    ],
  },
  'history:list': { good: [{}, { limit: 50 }], bad: [[{ limit: 0 }, /limit must be from 1/], [{ limit: 1.5 }, /whole number/]] },
  'history:clear': { good: [{}], bad: [[{ all: 1 }, /not a known field/]] },
  'progress:focus': {
    good: [{ viewer: 'v-3kf9a', ids: [] }, { viewer: 'v_1', ids: [ID, ID] }, { viewer: 'w', ids: Array.from({ length: 500 }, () => ID) }],
    bad: [
      [{ ids: [ID] }, /viewer is required/],
      [{ viewer: 'a b', ids: [] }, /viewer may contain only letters/],
      [{ viewer: 'v', ids: ['../x'] }, /must be an id/],
      [{ viewer: 'v', ids: Array.from({ length: 501 }, () => ID) }, /at most 500/],
      [{ viewer: 'v', ids: ID }, /must be a list/],
    ],
  },
  'item:get': { good: [{ id: ID }], bad: [[{ id: '' }, /must not be empty/], [{ id: 'a/b' }, /must be an id/]] },
  'item:files': {
    good: [{ id: ID, offset: 0, limit: 100 }, { id: ID, offset: 200, limit: 100, state: 'rejected' }, { id: ID, offset: 0, limit: 1, state: 'all' }],
    bad: [
      [{ id: ID, offset: -1, limit: 10 }, /offset must be from 0/],
      [{ id: ID, offset: 0, limit: 100_000 }, /limit must be from 1 to 5000/],
      [{ id: ID, offset: 0, limit: 10, state: 'lost' }, /state must be one of/],
    ],
  },
  'item:rejections-csv': { good: [{ id: ID }], bad: [[{ id: ID, format: 'xlsx' }, /format is not a known field/]] },
  'item:pause': { good: [{ id: ID }], bad: [[{}, /id is required/]] },
  'item:resume': { good: [{ id: ID }], bad: [[{ id: null }, /must be text/]] },
  'item:cancel': { good: [{ id: ID }], bad: [[{ id: '..' }, /must be an id/]] },
  'item:retry': { good: [{ id: ID }], bad: [[null, /id is required|must be an object/]] },
  'item:start-job': {
    good: [{ id: ID, job: { workflowId: 'wf' }, outDir: '/out' }, ...[1, 2, 4, 8].map((w) => ({ id: ID, job: { workflowId: 'wf', workersPerMachine: w }, outDir: '/out' }))],
    bad: [
      [{ id: ID, job: {}, outDir: '/out' }, /workflowId is required/],
      [{ id: ID, job: { workflowId: 'wf', workersPerMachine: 3 }, outDir: '/out' }, /workersPerMachine must be one of 1, 2, 4, 8/],
      [{ id: ID, job: { workflowId: 'wf', workersPerMachine: 16 }, outDir: '/out' }, /workersPerMachine must be one of 1, 2, 4, 8/],
      [{ id: ID, job: { workflowId: 'wf' } }, /outDir is required/],
      [{ id: ID, job: { workflowId: 'wf', machineType: 'tpu' }, outDir: '/out' }, /machineType must be one of cpu, gpu/],
    ],
  },
  'item:abort-job': { good: [{ id: ID }], bad: [[{ id: ID, force: true }, /not a known field/]] },
  'item:restart-job': {
    good: [{ id: ID, overrides: {} }, { id: ID, overrides: { machineType: 'gpu', maxParallelTasks: 4 } }],
    bad: [
      [{ id: ID }, /overrides is required/],
      [{ id: ID, overrides: { workflowId: 'x' } }, /workflowId is not a known field/],
      [{ id: ID, overrides: { workersPerMachine: 6 } }, /overrides.workersPerMachine must be one of 1, 2, 4, 8/],
    ],
  },
  'item:logs': { good: [{ id: ID }], bad: [[{ id: 7 }, /must be text/]] },
  'item:results-preview': { good: [{ id: ID, rows: 20 }], bad: [[{ id: ID, rows: 0 }, /rows must be from 1 to 1000/]] },
  'item:open-output': { good: [{ id: ID }], bad: [[{ id: ID, path: '/etc' }, /path is not a known field/]] },
  'watches:list': { good: [{}], bad: [[{ q: 1 }, /not a known field/]] },
  'watches:add': {
    good: [watch, { ...watch, filter: 'all', batchPrefix: 'cam-1' }],
    bad: [
      [{ ...watch, folder: 'in' }, /folder must be an absolute path/],
      [{ ...watch, rule: { quietSeconds: 0, maxFiles: 1, maxMinutes: 1 } }, /quietSeconds must be from 1/],
      [{ ...watch, batchPrefix: 'Cam 1' }, /batchPrefix may contain only lower-case/],
      [{ ...watch, reingestChanged: undefined }, /reingestChanged is required/],
    ],
  },
  'watches:update': { good: [{ id: 'w-1', spec: watch }], bad: [[{ id: 'w-1' }, /spec is required/]] },
  'watches:pause': { good: [{ id: 'w-1' }], bad: [[{ id: 'w 1' }, /must be an id/]] },
  'watches:resume': { good: [{ id: 'w-1' }], bad: [[{}, /id is required/]] },
  'watches:remove': { good: [{ id: 'w-1' }], bad: [[{ id: ['w-1'] }, /must be text/]] },
  'dialog:pick-folder': { good: [{}, { title: 'Choose' }, undefined], bad: [[{ title: 3 }, /title must be text/], [{ defaultPath: '/' }, /not a known field/]] },
};

describe('channel argument validation', () => {
  it('has cases for every channel of the contract', () => {
    expect(Object.keys(CASES).sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  for (const channel of INVOKE_CHANNELS) {
    const c = CASES[channel];
    it(`${channel}: accepts good arguments`, () => {
      for (const args of c.good) {
        const out = validateArgs(channel, args);
        expect(out).toEqual(args ?? {});
      }
    });
    it(`${channel}: refuses bad arguments with a reason`, () => {
      expect(c.bad.length).toBeGreaterThan(0);
      for (const [args, reason] of c.bad) {
        let error: unknown;
        try {
          validateArgs(channel, args);
        } catch (e) {
          error = e;
        }
        expect(error, `${channel} ${JSON.stringify(args)}`).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toMatch(reason);
      }
    });
  }

  it('refuses objects with a foreign prototype (no class instances, no prototype tricks)', () => {
    const tricky = JSON.parse('{"id":"x","__proto__":{"polluted":true}}');
    expect(() => validateArgs('item:get', tricky)).toThrow(/__proto__ is not a known field/);
    expect(() => validateArgs('item:get', new (class { id = 'x' })())).toThrow(/must be an object/);
  });
});
