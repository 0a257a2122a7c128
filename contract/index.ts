export * from './model.js';
export * from './events.js';
export * from './errors.js';
export type * from './worker-protocol.js';
export * from './api.js';
export * from './durations.js';
export * from './schedule.js';
export * from './routes.js';
export * from './webhooks.js';
