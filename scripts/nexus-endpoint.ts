/**
 * Creates (or keeps) the Nexus endpoint that routes the `refunds` service to the refund worker's
 * namespace and task queue, through the operator service: what `temporal operator nexus endpoint
 * create` does. Idempotent: an endpoint of that name with the same target is left alone, one with
 * another target is updated. Used by `npm start` and the Nexus tests (dev server or self-hosted;
 * Temporal Cloud endpoints are made with tcld / the Cloud UI, README "Nexus").
 */
import type { Connection } from '@temporalio/client';

export interface NexusEndpointTarget {
  name: string;
  /** Namespace and task queue of the refund worker. */
  namespace: string;
  taskQueue: string;
  description?: string;
}

export async function ensureNexusEndpoint(connection: Connection, target: NexusEndpointTarget): Promise<'created' | 'updated' | 'unchanged'> {
  const spec = {
    name: target.name,
    target: { worker: { namespace: target.namespace, taskQueue: target.taskQueue } },
    ...(target.description ? { description: { data: Buffer.from(JSON.stringify(target.description)), metadata: { encoding: Buffer.from('json/plain') } } } : {}),
  };
  const { endpoints } = await connection.operatorService.listNexusEndpoints({ name: target.name, pageSize: 1 });
  const existing = endpoints?.find((e) => e.spec?.name === target.name);
  if (!existing) {
    try {
      await connection.operatorService.createNexusEndpoint({ spec });
      return 'created';
    } catch (err) {
      // Created by someone else in between (two `npm start`s, two test files): check it again.
      if (!/already (exists|registered)/i.test((err as Error).message)) throw err;
      return ensureNexusEndpoint(connection, target);
    }
  }
  const worker = existing.spec?.target?.worker;
  if (worker?.namespace === target.namespace && worker?.taskQueue === target.taskQueue) return 'unchanged';
  await connection.operatorService.updateNexusEndpoint({ id: existing.id, version: existing.version, spec });
  return 'updated';
}
