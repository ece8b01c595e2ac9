/**
 * AES-256-GCM PayloadCodec. Each payload is serialised (protobuf), encrypted with the current
 * key and a random 12-byte IV, and replaced by
 *   metadata: {encoding: "binary/encrypted", "encryption-key-id": <key id>}
 *   data:     IV (12) || ciphertext || auth tag (16)
 * The key id is also the GCM additional data, so a payload cannot be moved to another key id.
 * Decoding accepts any key in the ring (rotation); an unknown key id or a tampered payload throws.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// @temporalio/proto is CommonJS: a default import works under tsx, vitest and the bundler alike.
import proto from '@temporalio/proto';

const { temporal } = proto;
import type { KeyRing } from './keys.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : '');

export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  get currentKeyId(): string {
    return this.ring.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.ring.current;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(id, 'utf8'));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(id) },
        data: Buffer.concat([iv, body, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload; // not ours (written before encryption was on)
      const id = text(payload.metadata?.[KEY_ID_METADATA]);
      const entry = this.ring.byId.get(id);
      if (!entry) {
        throw new PayloadDecryptionError(
          `payload encrypted with key id "${id || '(none)'}", which is not in REFUNDS_ENCRYPTION_KEYS (configured: ${[...this.ring.byId.keys()].join(', ')})`,
        );
      }
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload too short (${data.length} bytes)`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', entry.key, data.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(id, 'utf8'));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
        return temporal.api.common.v1.Payload.decode(plain);
      } catch (err) {
        throw new PayloadDecryptionError(`payload with key id "${id}" failed authentication (tampered or wrong key): ${(err as Error).message}`);
      }
    });
  }
}
