/**
 * Runs the example caller against `npm start`: a worker of namespace `orders` on task queue
 * `orders` and one order cancellation that refunds through the Nexus endpoint `refunds`.
 *   npx tsx examples/order-cancellation/main.ts <orderId> <reservepay paymentId> [amount in satang]
 * TEMPORAL_ADDRESS etc. as for every client (domain/config.ts); the namespace and endpoint are
 * the ones `npm start` creates.
 */
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { connectionOptions, loadTemporalConfig } from '../../client/connection.js';
import { DEFAULT_REFUNDS_ENDPOINT } from '../../nexus/service.js';
import type { cancelOrder } from './workflows.js';

const [orderId = 'A-1001', paymentId = 'pay_demo_2', amount = '12000'] = process.argv.slice(2);
const NAMESPACE = 'orders';
const TASK_QUEUE = 'orders';

Runtime.install({ logger: new DefaultLogger('WARN') });
const temporal = loadTemporalConfig();
const connection = await NativeConnection.connect(connectionOptions(temporal));
const worker = await Worker.create({ connection, namespace: NAMESPACE, taskQueue: TASK_QUEUE, workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)) });
const client = new Client({ connection: await Connection.connect(connectionOptions(temporal)), namespace: NAMESPACE });
await worker.runUntil(async () => {
  const handle = await client.workflow.start<typeof cancelOrder>('cancelOrder', {
    taskQueue: TASK_QUEUE,
    workflowId: `cancel-order-${orderId}`,
    args: [{ orderId, endpoint: DEFAULT_REFUNDS_ENDPOINT, refund: { idempotencyKey: `order-${orderId}-cancel`, provider: 'reservepay', payment: { paymentId }, amount: Number(amount), currency: 'THB', reason: 'order canceled' } }],
  });
  console.log(`started ${handle.workflowId} in namespace ${NAMESPACE}`);
  console.log(JSON.stringify(await handle.result(), null, 2));
});
await client.connection.close();
await connection.close();
