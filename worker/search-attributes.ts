/**
 * Makes sure the namespace knows the refund search attributes. The embedded dev server is
 * started with them (`--search-attribute`); an existing cluster gets them through the operator
 * service, which needs admin rights. Temporal Cloud namespaces are configured in Cloud instead:
 * then this reports exactly which attributes are missing.
 */
import type { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set(Object.keys(existing.customAttributes ?? {}));
  const missing = SEARCH_ATTRIBUTES.filter((sa) => !known.has(sa.name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((sa) => [sa.name, sa.indexedValueType])),
    });
  } catch (err) {
    const list = missing.map((sa) => `${sa.name} (${sa.cliType})`).join(', ');
    throw new Error(
      `namespace ${namespace} lacks the search attributes ${list} and they could not be added: ${(err as Error).message}. ` +
        `Add them with: ${missing.map((sa) => `temporal operator search-attribute create --namespace ${namespace} --name ${sa.name} --type ${sa.cliType}`).join(' && ')}`,
    );
  }
  return missing.map((sa) => sa.name);
}
