#!/usr/bin/env node
// Reference batch evaluator for differential tests and the benchmark.
//
// @cloud-copilot/iam-simulate has no CLI or batch mode, so this script reads
// the same JSON Lines as `rolesmith simulate --batch` (file argument, or
// stdin) and writes one `{"decision": ...}` line per request line, in order.
// It uses the library's `runUnsafeSimulation` (no action/context-key
// validation against the IAM catalogue: we compare policy evaluation, not
// the catalogue) after checking each policy with `validateIdentityPolicy`.
// Test tool only: AGPL, never linked into or shipped with rolesmith.
'use strict';
const fs = require('fs');
const readline = require('readline');
const { runUnsafeSimulation } = require('@cloud-copilot/iam-simulate');
const { validateIdentityPolicy } = require('@cloud-copilot/iam-policy');

const DECISIONS = {
  Allowed: 'allowed',
  ExplicitlyDenied: 'explicitDeny',
  ImplicitlyDenied: 'implicitDeny',
};
const ACCOUNT = '111122223333';

function accountOf(resource) {
  const parts = resource.split(':');
  return parts.length >= 6 && /^\d{12}$/.test(parts[4]) ? parts[4] : ACCOUNT;
}

function evaluateLine(line) {
  const req = JSON.parse(line);
  if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new Error('a request line must be a JSON object');
  if (typeof req.action !== 'string') throw new Error('`action` must be a string');
  if (typeof req.resource !== 'string') throw new Error('`resource` must be a string');
  const policies = req.policies ?? [];
  const docs = policies.map((p, i) => ({ name: `policies[${i}]`, policy: p }));
  if (req.boundary !== undefined && req.boundary !== null) docs.push({ name: 'boundary', policy: req.boundary });
  for (const d of docs) {
    const errors = validateIdentityPolicy(d.policy);
    if (errors.length > 0) throw new Error(`policy ${d.name}: ${errors[0].message} at ${errors[0].path}`);
  }
  const account = accountOf(req.resource);
  const simulation = {
    request: {
      principal: `arn:aws:iam::${account}:role/rolesmith-diff`,
      action: req.action,
      resource: { resource: req.resource, accountId: account },
      contextVariables: req.context ?? {},
    },
    identityPolicies: docs.filter((d) => d.name !== 'boundary'),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    permissionBoundaryPolicies:
      req.boundary !== undefined && req.boundary !== null ? [{ name: 'boundary', policy: req.boundary }] : undefined,
  };
  const result = runUnsafeSimulation(simulation, {});
  return { decision: DECISIONS[result] ?? String(result) };
}

async function main() {
  const arg = process.argv[2];
  const input = !arg || arg === '-' ? process.stdin : fs.createReadStream(arg);
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  const out = [];
  let n = 0;
  for await (const line of rl) {
    n += 1;
    if (line.trim() === '') continue;
    let result;
    try {
      result = evaluateLine(line);
    } catch (e) {
      result = { error: `line ${n}: ${e && e.message ? e.message : String(e)}` };
    }
    out.push(JSON.stringify(result));
    if (out.length >= 1024) {
      process.stdout.write(out.join('\n') + '\n');
      out.length = 0;
    }
  }
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`error: ${e && e.message ? e.message : String(e)}\n`);
  process.exit(2);
});
