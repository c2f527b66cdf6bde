#!/usr/bin/env python3
"""Writes COUNT simulate requests, each with its own 12-statement policy
(about 100 MB for 40,000): the worst case for a batch's document cache.
usage: gen_distinct.py COUNT > requests.jsonl"""
import json
import random
import sys

random.seed(7)
for i in range(int(sys.argv[1])):
    stmts = [
        {
            "Sid": f"S{i}x{k}",
            "Effect": "Allow",
            "Action": [f"s3:Get{random.choice(['Object', 'Bucket*', 'ObjectTagging'])}", f"ec2:Describe{k}*"],
            "Resource": [f"arn:aws:s3:::bucket-{i}-{k}/*"],
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": f"t{i % 97}"}},
        }
        for k in range(12)
    ]
    print(json.dumps({
        "policies": [{"Version": "2012-10-17", "Statement": stmts}],
        "action": "s3:GetObject",
        "resource": f"arn:aws:s3:::bucket-{i}-3/key",
        "context": {"aws:PrincipalTag/team": f"t{i % 97}"},
    }))
