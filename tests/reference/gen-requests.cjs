#!/usr/bin/env node
// Deterministic generator of random `simulate --batch` request lines, for the
// differential tests and the benchmark. Usage: gen-requests.cjs SEED COUNT
// Same seed, same lines (mulberry32 PRNG; no Math.random). The pools stay
// inside what both evaluators are meant to agree on; known, documented
// differences (DIFFERENCES.md) are left out on purpose.
'use strict';

function mulberry32(a) {
  return function () {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seed = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 1000);
const rnd = mulberry32(seed);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const chance = (p) => rnd() < p;
const some = (xs, min, max) => {
  const n = min + Math.floor(rnd() * (max - min + 1));
  const out = [];
  for (let i = 0; i < n; i++) out.push(pick(xs));
  return [...new Set(out)];
};
const one = (xs) => (xs.length === 1 && chance(0.5) ? xs[0] : xs);

const ACCT = '111122223333';
const REQUESTS = [
  ['s3:GetObject', `arn:aws:s3:::bucket-a/key1`],
  ['s3:GetObject', `arn:aws:s3:::bucket-a/alice/notes.txt`],
  ['s3:PutObject', `arn:aws:s3:::bucket-b/dir/key2`],
  ['s3:ListBucket', `arn:aws:s3:::bucket-a`],
  ['connect:DescribeUser', `arn:aws:connect:eu-west-2:${ACCT}:instance/i-1/agent/a1`],
  ['connect:ListUsers', `arn:aws:connect:eu-west-2:${ACCT}:instance/i-1`],
  ['connect:DescribeContactFlow', `arn:aws:connect:eu-west-2:${ACCT}:instance/i-1/contact-flow/f1`],
  ['dynamodb:GetItem', `arn:aws:dynamodb:eu-west-2:${ACCT}:table/orders`],
  ['dynamodb:Query', `arn:aws:dynamodb:us-east-1:${ACCT}:table/orders/index/by-date`],
  ['ec2:TerminateInstances', `arn:aws:ec2:us-east-1:${ACCT}:instance/i-0abc`],
  ['iam:PassRole', `arn:aws:iam::${ACCT}:role/app-role`],
  ['sqs:SendMessage', `arn:aws:sqs:eu-west-2:${ACCT}:queue-1`],
];
const ACTIONS = [
  '*', 's3:*', 's3:Get*', 's3:GetObject', 'S3:getobject', 's3:?etObject', 's3:List*', 's3:PutObject',
  'connect:*', 'connect:Describe*', 'connect:List*', 'connect:DescribeUser', 'dynamodb:*', 'dynamodb:GetItem',
  'dynamodb:Query', 'ec2:*Instances', 'iam:PassRole', 'iam:*', 'sqs:Send*', 'sqs:*',
];
const RESOURCES = [
  '*', 'arn:aws:s3:::bucket-a/*', 'arn:aws:s3:::bucket-?/*', 'arn:aws:s3:::*', 'arn:aws:s3:::bucket-a',
  'arn:aws:s3:::bucket-a/${aws:username}/*', 'arn:aws:s3:::Bucket-a/*', 'arn:aws:s3:::bucket-b/dir/*',
  `arn:aws:connect:*:*:instance/*`, `arn:aws:connect:eu-west-2:${ACCT}:instance/i-1/*`,
  `arn:aws:connect:eu-west-2:${ACCT}:instance/i-1`, `arn:aws:dynamodb:*:*:table/orders`,
  `arn:aws:dynamodb:eu-west-2:${ACCT}:table/*`, `arn:aws:dynamodb:*:${ACCT}:table/orders/*`,
  `arn:aws:ec2:*:*:instance/*`, `arn:aws:iam::${ACCT}:role/*`, `arn:aws:iam::*:role/app-?ole`,
  `arn:aws:sqs:*:${ACCT}:*`, `arn:aws:sqs:eu-west-?:${ACCT}:queue-1`, 'arn:aws:dynamodb:*',
  'arn:aws:*:eu-west-2:*:*',
];
// key -> [kind, policy values, request values]
const KEYS = {
  'aws:RequestedRegion': ['string', ['eu-west-2', 'us-east-1', 'eu-*', 'EU-WEST-2'], ['eu-west-2', 'us-east-1', 'eu-west-1']],
  'aws:username': ['string', ['alice', 'bob', 'a*', '${aws:username}'], ['alice', 'bob', 'Alice']],
  'aws:PrincipalTag/team': ['string', ['cx', 'ops', '${aws:username}', 'c?'], ['cx', 'ops', 'alice']],
  'aws:SecureTransport': ['bool', ['true', 'false'], ['true', 'false']],
  'aws:SourceIp': ['ip', ['10.0.0.0/8', '192.168.1.0/24', '203.0.113.7'], ['10.1.2.3', '192.168.1.7', '203.0.113.7', '172.16.0.1']],
  'aws:CurrentTime': ['date', ['2026-01-01T00:00:00Z', '2026-06-01T12:00:00Z', '2027-01-01'], ['2026-06-01T12:00:00Z', '2025-12-31T23:59:59Z', '2026-03-15T08:00:00Z']],
  's3:max-keys': ['numeric', ['10', '100', '5.5'], ['10', '50', '5', '1000']],
  'aws:PrincipalArn': ['arn', [`arn:aws:iam::${ACCT}:role/*`, `arn:aws:iam::${ACCT}:role/admin`, 'arn:aws:iam::*:user/bob'], [`arn:aws:iam::${ACCT}:role/admin`, 'arn:aws:iam::444455556666:user/bob', `arn:aws:iam::${ACCT}:role/app-role`]],
  'aws:TagKeys': ['multi', ['env', 'team', 'cost-*'], [['env', 'team'], ['env', 'owner'], ['cost-centre', 'team', 'x']]],
};
const OPS = {
  string: ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'],
  bool: ['Bool'],
  ip: ['IpAddress', 'NotIpAddress'],
  date: ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'],
  numeric: ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'],
  arn: ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'],
  multi: ['ForAnyValue:StringEquals', 'ForAllValues:StringEquals', 'ForAnyValue:StringLike', 'ForAllValues:StringLike', 'ForAnyValue:StringNotEquals', 'ForAllValues:StringNotLike'],
};

function condition() {
  const c = {};
  const nKeys = 1 + Math.floor(rnd() * 2);
  for (let i = 0; i < nKeys; i++) {
    const key = pick(Object.keys(KEYS));
    const [kind, pvals] = KEYS[key];
    let op = chance(0.1) ? 'Null' : pick(OPS[kind]);
    let values = some(pvals, 1, 2);
    if (op === 'Null') values = [pick(['true', 'false'])];
    else if (kind !== 'multi' && chance(0.2)) op += 'IfExists';
    c[op] = c[op] ?? {};
    c[op][chance(0.2) ? key.toLowerCase() : key] = one(values);
  }
  return c;
}

function statement() {
  const s = {};
  if (chance(0.3)) s.Sid = `S${Math.floor(rnd() * 100)}`;
  s.Effect = chance(0.25) ? 'Deny' : 'Allow';
  s[chance(0.1) ? 'NotAction' : 'Action'] = one(some(ACTIONS, 1, 3));
  // Short ARNs and variables in NotResource: see DIFFERENCES.md (not generated).
  if (chance(0.1)) s.NotResource = one(some(RESOURCES.filter((r) => (r === '*' || r.split(':').length >= 6) && !r.includes('${')), 1, 3));
  else s.Resource = one(some(RESOURCES, 1, 3));
  if (chance(0.45)) s.Condition = condition();
  return s;
}

function policy() {
  const n = 1 + Math.floor(rnd() * 4);
  const st = [];
  for (let i = 0; i < n; i++) st.push(statement());
  return { Version: '2012-10-17', Statement: n === 1 && chance(0.3) ? st[0] : st };
}

// A small pool of documents, reused across lines as real role sets are.
const POOL = [];
for (let i = 0; i < Math.max(8, Math.floor(count / 20)); i++) POOL.push(policy());
const BOUNDARIES = [
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'connect:*', 'dynamodb:*'], Resource: '*' }] },
  { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] },
];
for (let i = 0; i < 4; i++) BOUNDARIES.push(policy());

const lines = [];
for (let i = 0; i < count; i++) {
  const [action, resource] = pick(REQUESTS);
  const context = {};
  for (const key of Object.keys(KEYS)) {
    if (chance(0.5)) {
      const [, , rvals] = KEYS[key];
      context[chance(0.2) ? key.toLowerCase() : key] = pick(rvals);
    }
  }
  const req = {
    policies: some(POOL, 1, 3),
    boundary: chance(0.3) ? pick(BOUNDARIES) : null,
    action: chance(0.2) ? action.toLowerCase() : action,
    resource,
    context,
  };
  lines.push(JSON.stringify(req));
}
process.stdout.write(lines.join('\n') + '\n');
