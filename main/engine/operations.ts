import type { OperationInput, OperationName, OperationResults } from '../../contract/api.js';
import { parseOperationInput } from '../../contract/api.js';
import { JobtrayError } from '../../contract/errors.js';
import type { Actor, HealthSnapshot, WebhookTestResult } from '../../contract/model.js';
import { takeBackup } from './backups.js';
import type { Engine } from './engine.js';
import { previewSchedule } from './schedule-preview.js';

/** Sparkline length when the caller gives none. */
const SPARKLINE_RUNS = 30;
/** Fire times in a schedule preview when the caller asks for no count. */
const PREVIEW_COUNT = 5;

export type OperationHandlers = {
  [K in OperationName]: (input: OperationInput<K>, actor: Actor) => OperationResults[K] | Promise<OperationResults[K]>;
};

/**
 * What a few operations need from parts built on the engine (which the engine
 * may not import): the host, or the desktop app, supplies them.
 */
export interface OperationServices {
  /** `settings:test-webhook`: one delivery of a test payload; reports failure as a result, never throws. */
  testWebhook?: (url: string, health: HealthSnapshot) => Promise<WebhookTestResult>;
}

/** The contract's operations implemented on the engine: one table shared by the Local API and the IPC bridge. */
export function createOperations(engine: Engine, services: OperationServices = {}): OperationHandlers {
  return {
    'health:get': () => engine.health(),
    'jobs:list': () => ({ jobs: engine.listJobs() }),
    'jobs:get': ({ id }) => engine.getJob(id),
    'jobs:trigger': ({ id, params, idempotency_key }, actor) => {
      const run = engine.trigger(id, {
        actor,
        ...(params ? { params } : {}),
        ...(idempotency_key ? { idempotencyKey: idempotency_key } : {}),
      });
      return { run_id: run.id, run };
    },
    'jobs:set-schedule': ({ id, schedule }, actor) => engine.setScheduleOverride(id, schedule, actor),
    'jobs:reset-schedule': ({ id }, actor) => engine.setScheduleOverride(id, null, actor),
    'jobs:preview-schedule': ({ id, schedule, count }) => {
      engine.getJob(id);
      return previewSchedule(id, schedule, Date.now(), count ?? PREVIEW_COUNT);
    },
    'jobs:sparklines': ({ limit }) => ({ jobs: engine.recentOutcomes(limit ?? SPARKLINE_RUNS) }),
    'jobs:enable': ({ id }, actor) => engine.setEnabled(id, true, actor),
    'jobs:disable': ({ id }, actor) => engine.setEnabled(id, false, actor),
    'engine:pause': (_input, actor) => {
      engine.pause(actor);
      return { paused: engine.isPaused() };
    },
    'engine:resume': (_input, actor) => {
      engine.resume(actor);
      return { paused: engine.isPaused() };
    },
    'config:reload': (_input, actor) => engine.reload(actor),
    'config:get': () => engine.configStatus(),
    'runs:list': ({ job, ...filter }) => engine.listRuns({ ...filter, ...(job ? { job_id: job } : {}) }),
    'runs:get': ({ id }) => engine.getRun(id),
    'runs:chain': ({ id }) => ({ runs: engine.runChain(id) }),
    'runs:logs': ({ id, ...query }) => engine.getRunLogs(id, query),
    'runs:artifacts': ({ id }) => ({ artifacts: engine.listArtifacts(id) }),
    'runs:artifact': ({ id, name }) => engine.getArtifact(id, name),
    'runs:cancel': ({ id }, actor) => engine.cancel(id, actor),
    'runs:retry': ({ id }, actor) => engine.retryNow(id, actor),
    'settings:get': () => engine.getSettings(),
    'settings:update': ({ settings }, actor) => engine.updateSettings(settings, actor),
    'settings:test-webhook': ({ url }) => {
      const target = url ?? engine.getSettings().webhook_url;
      if (!target)
        throw new JobtrayError(
          'invalid_input',
          'no webhook URL to test: give one, or set the webhook_url setting first',
        );
      if (!services.testWebhook) throw new JobtrayError('unavailable', 'webhooks are not running in this process');
      return services.testWebhook(target, engine.health());
    },
    'audit:list': ({ job, limit }) => ({
      entries: engine.listAudit({ ...(job ? { job_id: job } : {}), ...(limit ? { limit } : {}) }),
    }),
    'store:backup': ({ to }) => takeBackup(engine, to ? { to } : {}),
  };
}

/** Validates raw input against the contract, then runs the operation. */
export async function invokeOperation<K extends OperationName>(
  handlers: OperationHandlers,
  name: K,
  rawInput: unknown,
  actor: Actor,
): Promise<OperationResults[K]> {
  const input = parseOperationInput(name, rawInput);
  return await handlers[name](input, actor);
}
