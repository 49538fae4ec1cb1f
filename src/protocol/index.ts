export * from './errors.js';
export * from './messages.js';
export * from './version.js';
export * from './queues.js';
