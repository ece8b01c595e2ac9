/**
 * Fault injection: per provider and route, with a probability drawn from a seedable PRNG and an
 * optional count. Faults are checked in the order they were added; the first that matches and
 * wins its roll fires (and loses one of its `count`).
 */
import { z } from 'zod';
import { PROVIDERS } from '../domain/providers.js';

export const FAULT_KINDS = ['http_error', 'rate_limit', 'delay', 'reset', 'malformed', 'commit_then_drop'] as const;

const MALFORMED_VARIANTS = ['truncated', 'invalid_json', 'html'] as const;

const FaultSpecSchema = z
  .object({
    provider: z.enum(PROVIDERS),
    /** A path below the provider prefix ("/refundPayment", "/v1/transactions/*") or "*". */
    route: z.string().min(1).default('*'),
    kind: z.enum(FAULT_KINDS),
    probability: z.number().min(0).max(1).default(1),
    count: z.number().int().positive().optional(),
    /** http_error: the status (500..599, default 500). */
    status: z.number().int().min(400).max(599).optional(),
    /** rate_limit: Retry-After seconds (default 1). */
    retryAfterSeconds: z.number().int().min(0).optional(),
    /** delay: milliseconds to wait before handling the request normally (default 30000). */
    delayMs: z.number().int().min(0).max(600_000).optional(),
    /** malformed: what comes back (default "truncated"). */
    variant: z.enum(MALFORMED_VARIANTS).optional(),
  })
  .strict();
export type FaultSpec = z.output<typeof FaultSpecSchema>;

export interface Fault extends FaultSpec {
  id: string;
  fired: number;
}

/** mulberry32: small, fast, seedable. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function routeMatches(pattern: string, route: string): boolean {
  if (pattern === '*') return true;
  const norm = (s: string) => (s.startsWith('/') ? s : `/${s}`);
  const re = new RegExp(`^${norm(pattern).split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(norm(route));
}

export class FaultInjector {
  private faults: Fault[] = [];
  private seq = 0;
  private rng: () => number;
  seed: number;

  constructor(seed = 1) {
    this.seed = seed;
    this.rng = mulberry32(seed);
  }

  setSeed(seed: number): void {
    this.seed = seed;
    this.rng = mulberry32(seed);
  }

  add(input: unknown): Fault {
    const spec = FaultSpecSchema.parse(input);
    this.seq += 1;
    const fault: Fault = { ...spec, id: `fault_${this.seq}`, fired: 0 };
    this.faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault to apply to this request, if any. */
  pick(provider: string, route: string): Fault | undefined {
    for (const fault of this.faults) {
      if (fault.provider !== provider || !routeMatches(fault.route, route)) continue;
      if (fault.probability < 1 && this.rng() >= fault.probability) continue;
      fault.fired += 1;
      if (fault.count !== undefined) {
        fault.count -= 1;
        if (fault.count <= 0) this.remove(fault.id);
      }
      return { ...fault };
    }
    return undefined;
  }
}
