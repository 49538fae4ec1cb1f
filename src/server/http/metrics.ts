/** Prometheus metrics, one registry per server instance (no global state). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({ name: 'callroom_connections', help: 'Open WebSocket connections', registers: [this.registry] });
  readonly sessions = new Gauge({ name: 'callroom_sessions', help: 'Logged-in sessions', registers: [this.registry] });
  readonly logins = new Counter({
    name: 'callroom_logins_total',
    help: 'Login attempts by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly calls = new Counter({
    name: 'callroom_calls_total',
    help: 'Ended calls by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly openCalls = new Gauge({ name: 'callroom_calls_open', help: 'Calls ringing or active', registers: [this.registry] });
  readonly callSetup = new Histogram({
    name: 'callroom_call_setup_seconds',
    help: 'Time from receiving an invite to telling the callee (includes the durable write)',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });
  readonly requests = new Counter({
    name: 'callroom_requests_total',
    help: 'Requests by op and result code name',
    labelNames: ['op', 'result'] as const,
    registers: [this.registry],
  });
  readonly rejectedFrames = new Counter({
    name: 'callroom_rejected_frames_total',
    help: 'Inbound frames refused at the edge, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly redisScripts = new Counter({
    name: 'callroom_redis_scripts_total',
    help: 'Cluster mode: storage scripts this node ran in Redis (one round trip each), by script',
    labelNames: ['script'] as const,
    registers: [this.registry],
  });

  readonly queueWaiting = new Gauge({ name: 'callroom_queue_waiting', help: 'Customers waiting in each queue', labelNames: ['queue'] as const, registers: [this.registry] });
  readonly queueInService = new Gauge({ name: 'callroom_queue_in_service', help: 'Customers in service, by queue', labelNames: ['queue'] as const, registers: [this.registry] });
  readonly queueAgents = new Gauge({ name: 'callroom_queue_agents', help: 'Agents serving each queue', labelNames: ['queue'] as const, registers: [this.registry] });
  readonly queueServed = new Counter({ name: 'callroom_queue_served_total', help: 'Customers accepted by an agent, by queue (counted by the node that decided it)', labelNames: ['queue'] as const, registers: [this.registry] });
  readonly queueAbandoned = new Counter({ name: 'callroom_queue_abandoned_total', help: 'Customers who left a queue before an agent accepted them, by queue', labelNames: ['queue'] as const, registers: [this.registry] });
  readonly queueWait = new Histogram({
    name: 'callroom_queue_wait_seconds',
    help: 'How long customers waited, from joining the queue to an agent accepting them',
    labelNames: ['queue'] as const,
    buckets: [1, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });
  readonly queueAssignLatency = new Histogram({
    name: 'callroom_queue_assignment_latency_seconds',
    help: 'Time from joining a queue to the first offer to an agent',
    labelNames: ['queue'] as const,
    buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1, 5, 30, 120, 600],
    registers: [this.registry],
  });

  readonly webhookSent = new Counter({ name: 'callroom_webhooks_sent_total', help: 'Webhook events delivered (a 2xx answer), by event type', labelNames: ['type'] as const, registers: [this.registry] });
  readonly webhookFailed = new Counter({ name: 'callroom_webhooks_failed_total', help: 'Webhook delivery attempts that failed (not 2xx, refused, timed out), by event type', labelNames: ['type'] as const, registers: [this.registry] });
  readonly webhookRetried = new Counter({ name: 'callroom_webhooks_retried_total', help: 'Failed webhook deliveries scheduled to be tried again, by event type', labelNames: ['type'] as const, registers: [this.registry] });
  readonly webhookGivenUp = new Counter({ name: 'callroom_webhooks_given_up_total', help: 'Webhook deliveries given up after --webhook-retry-for, by event type', labelNames: ['type'] as const, registers: [this.registry] });
  readonly webhookDepth = new Gauge({ name: 'callroom_webhooks_queue_depth', help: 'Webhook deliveries in the outbox not yet delivered nor given up', registers: [this.registry] });
  readonly webhookLatency = new Histogram({
    name: 'callroom_webhooks_delivery_seconds',
    help: 'Time from a webhook event being committed to its delivery (retries included)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120, 600, 3600],
    registers: [this.registry],
  });

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'callroom_' });
  }
}
