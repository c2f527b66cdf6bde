#!/usr/bin/env python3
"""Writes a large module manifest for the history benchmark.

usage: gen_history.py ROLESMITH OUT.yaml RELEASE ACTIONS_PER_FEATURE BASE_FEATURES

Feature k (0-based) holds ACTIONS_PER_FEATURE read actions taken from the
catalogue (via `rolesmith actions`), derived resources; release r has
BASE_FEATURES + r features and version 1.r.0, so each release is a minor
step that keeps every permission of the one before.
"""
import json
import subprocess
import sys

SERVICES = [
    "ec2", "rds", "s3", "dynamodb", "lambda", "cloudwatch", "logs", "iam",
    "ecs", "eks", "elasticloadbalancing", "autoscaling", "sns", "sqs", "kms",
    "cloudformation", "route53", "apigateway", "glue", "athena", "redshift",
    "elasticache", "es", "kinesis", "firehose", "states", "events", "ssm",
    "secretsmanager", "config", "cloudtrail", "guardduty", "securityhub",
    "backup", "ecr", "codebuild", "codepipeline", "sagemaker", "connect",
    "wafv2", "acm", "organizations", "support", "trustedadvisor", "ce",
    "servicequotas", "tag", "xray", "emr", "batch", "efs", "fsx", "glacier",
    "storagegateway", "transfer", "datasync", "dms", "mq", "kafka", "ses",
    "cognito-idp", "appsync", "amplify", "cloudfront", "directconnect",
    "networkmanager", "health", "inspector2", "macie2", "access-analyzer",
]


def actions(rolesmith):
    out = []
    for svc in SERVICES:
        for verb in ("Describe", "List", "Get"):
            r = subprocess.run(
                [rolesmith, "actions", f"{svc}:{verb}*", "--format", "json"],
                capture_output=True, text=True,
            )
            if r.returncode != 0:
                continue
            for a in json.loads(r.stdout):
                if a["access_level"] in ("Read", "List"):
                    out.append(a["name"])
    # Deterministic, spread across services.
    seen, spread = set(), []
    for a in sorted(set(out), key=lambda n: (hash_key(n), n)):
        if a not in seen:
            seen.add(a)
            spread.append(a)
    return spread


def hash_key(name):
    h = 0
    for c in name.encode():
        h = (h * 131 + c) % 1000003
    return h


def main():
    rolesmith, out, release, per, base = sys.argv[1:6]
    release, per, base = int(release), int(per), int(base)
    pool = actions(rolesmith)
    n = base + release
    lines = [
        "module: big",
        f"version: 1.{release}.0",
        "description: A large read-only integration role for the history benchmark.",
        "features:",
    ]
    for k in range(n):
        chunk = pool[k * per:(k + 1) * per]
        if len(chunk) < per:
            sys.exit(f"not enough actions in the catalogue pool ({len(pool)})")
        lines.append(f"  - id: read-{k:02d}")
        lines.append(f"    description: Read-only access, part {k}.")
        lines.append("    actions:")
        lines.extend(f"      - {a}" for a in chunk)
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
