/**
 * The queue views of one session: the agent console and the customer's place. Both are filled
 * from what the server says at login (and after a new session: `queue.mine`, the queues and their
 * counts), so a reload shows the place in line and the queues served again.
 */
import type { CallClient } from '../src/sdk/client.js';
import { AgentConsole } from './queues-agent.js';
import { CustomerQueue } from './queues-customer.js';
import type { Phone } from './phone.js';

export class QueueViews {
  readonly agent: AgentConsole;
  readonly customer: CustomerQueue;

  constructor(
    private readonly client: CallClient,
    phone: Phone,
    dnd: boolean,
  ) {
    this.agent = new AgentConsole(client, phone);
    this.customer = new CustomerQueue(client);
    this.agent.setDnd(dnd);
  }

  /** Fetches the queues and this user's part in them, and shows them. */
  async refresh(): Promise<void> {
    const [queues, statuses, mine] = await Promise.all([this.client.listQueues(), this.client.queueStatus(), this.client.myQueues()]);
    this.agent.load(queues, statuses, mine);
    this.customer.load(queues, mine);
  }

  render(): void {
    this.agent.renderAll();
    this.customer.render();
  }

  dispose(): void {
    this.agent.dispose();
    this.customer.dispose();
  }
}
