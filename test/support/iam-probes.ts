import { requestTags, resourceTags, type IamRequest } from './iam.js';

/** A resource Lifeboat does not own, and why not. */
export interface Owned {
  kind: 'snapshot' | 'cluster-snapshot' | 'db' | 'cluster';
  id: string;
  region: string;
  account: string;
  case: string;
}

export interface DenialProbe {
  label: string;
  what: 'delete' | 'share' | 'tag' | 'modify';
  target: Owned;
  request: IamRequest;
}

const arnOf = (t: Owned) => `arn:aws:rds:${t.region}:${t.account}:${t.kind}:${t.id}`;
const isSnapshot = (kind: Owned['kind']) => kind === 'snapshot' || kind === 'cluster-snapshot';

/**
 * What a bug could try on resources Lifeboat does not own: every kind (snapshots, cluster snapshots,
 * instances, clusters), named like Lifeboat's but untagged, tagged like Lifeboat's (a bug tagged it
 * managed or scratch) but named otherwise, untagged and named otherwise, and Lifeboat's in every way
 * but in a region the policy does not name or in another account. Each with every destructive
 * action on that kind: delete, share, tag (with the tags a bug would need to delete it next),
 * modify (a master password reset).
 */
export function denialProbes(options: {
  /** The account whose roles are probed first, then others. */
  accounts: string[];
  regions: string[];
  otherRegion: string;
}): DenialProbe[] {
  const [own, ...others] = options.accounts;
  type Target = Omit<Owned, 'kind' | 'id'> & { tagged: boolean; named: boolean };
  const targets: Target[] = [
    ...options.regions.flatMap(
      (region) =>
        [
          { region, account: own!, case: 'Lifeboat name, no tags', tagged: false, named: true },
          {
            region,
            account: own!,
            case: 'other name, Lifeboat tags',
            tagged: true,
            named: false,
          },
          { region, account: own!, case: 'other name, no tags', tagged: false, named: false },
        ] satisfies Target[],
    ),
    {
      region: options.otherRegion,
      account: own!,
      case: 'Lifeboat name and tags, region not in the policy',
      tagged: true,
      named: true,
    },
    ...others.flatMap((account) =>
      options.regions.map((region): Target => ({
        region,
        account,
        case: 'Lifeboat name and tags, another account',
        tagged: true,
        named: true,
      })),
    ),
  ];
  const kinds: Owned['kind'][] = ['snapshot', 'cluster-snapshot', 'db', 'cluster'];
  const probes: DenialProbe[] = [];
  for (const t of targets) {
    for (const kind of kinds) {
      const snapshot = isSnapshot(kind);
      const id = t.named
        ? snapshot
          ? 'lifeboat-orders-20261124t0945'
          : 'lbs-orders-20261124t0945-a1b2c3'
        : snapshot
          ? 'orders-before-upgrade'
          : 'orders';
      const ownerTag = snapshot ? 'lifeboat:managed' : 'lifeboat:scratch';
      const existing = resourceTags(t.tagged ? { [ownerTag]: 'true' } : {});
      const target: Owned = { kind, id, region: t.region, account: t.account, case: t.case };
      const resource = arnOf(target);
      const actions: Array<[DenialProbe['what'], string, Record<string, string | string[]>]> = snapshot
        ? [
            ['delete', kind === 'snapshot' ? 'rds:DeleteDBSnapshot' : 'rds:DeleteDBClusterSnapshot', {}],
            [
              'share',
              kind === 'snapshot' ? 'rds:ModifyDBSnapshotAttribute' : 'rds:ModifyDBClusterSnapshotAttribute',
              {},
            ],
            ['tag', 'rds:AddTagsToResource', requestTags({ 'lifeboat:managed': 'true' })],
            [
              'tag',
              'rds:AddTagsToResource',
              requestTags({ 'lifeboat:managed': 'true', 'lifeboat:tier': 'primary' }),
            ],
            [
              'tag',
              'rds:AddTagsToResource',
              requestTags({ 'lifeboat:verified': '2026-11-24T11:00:00.000Z' }),
            ],
          ]
        : [
            ['delete', kind === 'db' ? 'rds:DeleteDBInstance' : 'rds:DeleteDBCluster', {}],
            ['modify', kind === 'db' ? 'rds:ModifyDBInstance' : 'rds:ModifyDBCluster', {}],
            ['tag', 'rds:AddTagsToResource', requestTags({ 'lifeboat:scratch': 'true' })],
          ];
      for (const [what, action, request] of actions) {
        const tagged = Object.keys(request).filter((k) => k.startsWith('aws:RequestTag/'));
        probes.push({
          label: `${what} ${kind} ${id} (${t.case}; ${t.region}, ${t.account})${tagged.length ? ` with ${tagged.join(',')}` : ''}`,
          what,
          target,
          request: { action, resource, context: { ...existing, ...request } },
        });
      }
    }
  }
  return probes;
}

/**
 * What a bug could try on a database `lifeboat failover` created (production, tagged
 * lifeboat:failover, deletion protection on): delete it, change it (a password reset, turning
 * deletion protection off), stop or reboot it, tag it scratch or untag it. Also when a bug had tagged
 * it `lifeboat:scratch=true` already: its name is never a scratch name.
 */
export function failoverProbes(options: { accounts: string[]; regions: string[] }): DenialProbe[] {
  const FAILOVER_TAGS = {
    'lifeboat:failover': '2026-11-24T10:15:00.000Z',
    'lifeboat:failover-of': 'orders',
    'lifeboat:failover-source': 'lifeboat-orders-20261124t0945-eu-west-1',
    'lifeboat:policy': 'gold',
  };
  const probes: DenialProbe[] = [];
  for (const account of options.accounts) {
    for (const region of options.regions) {
      for (const tags of [FAILOVER_TAGS, { ...FAILOVER_TAGS, 'lifeboat:scratch': 'true' }]) {
        const targets: Owned[] = [
          { kind: 'db', id: 'orders-failover-20261124t1015', region, account, case: 'failover instance' },
          { kind: 'cluster', id: 'ledger-failover-20261124t1015', region, account, case: 'failover cluster' },
          {
            kind: 'db',
            id: 'ledger-failover-20261124t1015-1',
            region,
            account,
            case: 'failover cluster instance',
          },
        ];
        for (const target of targets) {
          const db = target.kind === 'db';
          const actions: Array<[DenialProbe['what'], string, Record<string, string | string[]>]> = [
            ['delete', db ? 'rds:DeleteDBInstance' : 'rds:DeleteDBCluster', {}],
            ['modify', db ? 'rds:ModifyDBInstance' : 'rds:ModifyDBCluster', {}],
            ['modify', db ? 'rds:StopDBInstance' : 'rds:StopDBCluster', {}],
            ['modify', db ? 'rds:RebootDBInstance' : 'rds:FailoverDBCluster', {}],
            ['tag', 'rds:AddTagsToResource', requestTags({ 'lifeboat:scratch': 'true' })],
            ['tag', 'rds:RemoveTagsFromResource', { 'aws:TagKeys': ['lifeboat:failover'] }],
          ];
          for (const [what, action, request] of actions) {
            probes.push({
              label: `${action} ${target.kind} ${target.id} (${target.case}${'lifeboat:scratch' in tags ? ', tagged scratch by a bug' : ''}; ${region}, ${account})`,
              what,
              target,
              request: { action, resource: arnOf(target), context: { ...resourceTags(tags), ...request } },
            });
          }
        }
      }
    }
  }
  return probes;
}
