/** The four payment providers, by the names used everywhere inside the system. */
export const PROVIDERS = ['secpaid', 'linkmoney', 'openpayd', 'reservepay'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Display names, for summaries, logs and the CLI. */
export const PROVIDER_NAMES = {
  secpaid: 'SecPaid',
  linkmoney: 'Link Money',
  openpayd: 'OpenPayd',
  reservepay: 'Reservepay',
} as const satisfies Record<Provider, string>;
