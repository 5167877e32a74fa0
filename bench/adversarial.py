#!/usr/bin/env python3
"""Times eks-sg-lint on input shapes that once took time growing with the
square of their size (or worse), at n, 4n and 16n, and prints the ratios.

Linear growth shows ratios near 4; a ratio well above that marks a shape to
look at (the machine's noise aside: rerun before believing one). Each shape
is a plausible file pushed to a hostile size: a long list, a big map, a
one-line template, many node groups. The sizes are chosen so that a linear
run stays under a few seconds at 16n.

    bench/adversarial.py [--bin PATH] [--only NAME,...] [--scale K]

Builds nothing: pass the binary (default target/release/eks-sg-lint).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

YAML_HEAD = "AWSTemplateFormatVersion: '2010-09-09'\n"
EKSCTL_HEAD = "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: prod\n  region: us-east-1\n"
TF_CLUSTER = """resource "aws_security_group" "cluster" {
  name   = "cluster"
  vpc_id = "vpc-1"
}
resource "aws_eks_cluster" "this" {
  name     = "c"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids         = ["subnet-a"]
    security_group_ids = [aws_security_group.cluster.id]
  }
}
"""


def tf_rule(for_each="", cidrs='["10.0.0.0/8"]'):
    fe = f"  for_each          = {for_each}\n" if for_each else ""
    return f"""resource "aws_security_group_rule" "r" {{
{fe}  type              = "ingress"
  security_group_id = aws_security_group.cluster.id
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_blocks       = {cidrs}
}}
"""


def strings(n):
    return "[" + ", ".join(f'"k{i}"' for i in range(n)) + "]"


def cidrs(n):
    return "[" + ", ".join(f'"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}/32"' for i in range(n)) + "]"


def sg_ids(n):
    return "[" + ", ".join(f"sg-{i:017x}" for i in range(n)) + "]"


# name -> (n, function of the size giving {relative path: text})
SHAPES = {
    # Terraform
    "tf-toset-list": (4000, lambda n: {"main.tf": TF_CLUSTER + tf_rule(for_each=f"toset({strings(n)})")}),
    "tf-distinct-list": (4000, lambda n: {"main.tf": TF_CLUSTER + tf_rule(for_each=f"toset(distinct({strings(n)}))")}),
    "tf-cidr-list": (4000, lambda n: {"main.tf": TF_CLUSTER + tf_rule(cidrs=cidrs(n))}),
    "tf-module-calls": (4000, lambda n: {"main.tf": TF_CLUSTER + "".join(
        f'module "m{i}" {{\n  source = "hashicorp/foo/aws"\n}}\n' for i in range(n))}),
    "tf-node-groups-count": (256, lambda n: {"main.tf": TF_CLUSTER + f"""resource "aws_eks_node_group" "ng" {{
  count           = {n}
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "ng${{count.index}}"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = ["subnet-a"]
}}
"""}),
    "tf-object-keys": (1000, lambda n: {"main.tf": "locals {\n  m = {\n" + "".join(
        f"    k{i} = {i}\n" for i in range(n)) + "  }\n}\n"}),
    "tf-json-one-line": (500, lambda n: {"main.tf.json": json.dumps({"resource": {"aws_eks_cluster": {
        f"c{i}": {"name": f"c{i}", "role_arn": "arn", "vpc_config": {"subnet_ids": ["s"]}} for i in range(n)}}})}),
    "tf-plan-resources": (1000, lambda n: {"plan.json": json.dumps({"format_version": "1.2", "planned_values": {
        "root_module": {"resources": [{
            "address": f"aws_security_group.g{i}", "mode": "managed", "type": "aws_security_group",
            "name": f"g{i}", "values": {"name": f"g{i}", "vpc_id": "vpc-1", "egress": [], "ingress": []},
        } for i in range(n)]}}})}),
    # CloudFormation
    "cfn-json-one-line": (500, lambda n: {"template.json": json.dumps({
        "AWSTemplateFormatVersion": "2010-09-09", "Resources": {
            f"C{i}": {"Type": "AWS::EKS::Cluster", "Properties": {
                "Name": f"c{i}", "RoleArn": "arn", "ResourcesVpcConfig": {"SubnetIds": ["s"]}}}
            for i in range(n)}})}),
    "cfn-group-id-list": (1500, lambda n: {"template.yaml": YAML_HEAD + f"""Resources:
  Cluster:
    Type: AWS::EKS::Cluster
    Properties:
      Name: prod
      RoleArn: r
      ResourcesVpcConfig:
        SecurityGroupIds: {sg_ids(n)}
        SubnetIds: [s]
"""}),
    "cfn-sub-placeholders": (2000, lambda n: {"template.yaml": YAML_HEAD + """Resources:
  Nodes:
    Type: AWS::EKS::Nodegroup
    Properties:
      ClusterName: !Sub '""" + "${AWS::Region}-x" * n + """'
      NodeRole: r
      Subnets: [s]
"""}),
    "cfn-node-groups-by-name": (500, lambda n: {"template.yaml": YAML_HEAD + "Resources:\n" + "".join(
        f"  C{i}:\n    Type: AWS::EKS::Cluster\n    Properties:\n      Name: cluster-{i}\n      RoleArn: r\n"
        f"      ResourcesVpcConfig:\n        SubnetIds: [s]\n"
        f"  N{i}:\n    Type: AWS::EKS::Nodegroup\n    Properties:\n      ClusterName: cluster-{i}\n"
        f"      NodeRole: r\n      Subnets: [s]\n" for i in range(n))}),
    "yaml-duplicate-keys": (10000, lambda n: {"template.yaml": YAML_HEAD + "Metadata:\n" + "".join(
        f"  same: v{i}\n" for i in range(n)) + "Resources: {}\n"}),
    # eksctl
    "eksctl-attach-ids": (3000, lambda n: {"cluster.yaml": EKSCTL_HEAD + f"""nodeGroups:
  - name: ng
    securityGroups:
      attachIDs: {sg_ids(n)}
managedNodeGroups:
  - name: m
    securityGroups:
      attachIDs: {sg_ids(n)}
"""}),
}


def run(binary, directory):
    """Wall seconds of one `check` of `directory`."""
    start = time.perf_counter()
    proc = subprocess.run([binary, "check", "--format", "json", directory],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    if proc.returncode not in (0, 1):
        sys.exit(f"{binary} exited with {proc.returncode} on {directory}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", default="target/release/eks-sg-lint")
    parser.add_argument("--only", default="", help="comma-separated shape names")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every n")
    args = parser.parse_args()
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin}: not found; build it with `cargo build --release`")
    wanted = [s for s in args.only.split(",") if s] or list(SHAPES)
    print(f"{'shape':26} {'n':>7} {'n':>8} {'4n':>8} {'16n':>8}  ratios")
    flagged = []
    for name in wanted:
        if name not in SHAPES:
            sys.exit(f"unknown shape {name}; known: {', '.join(SHAPES)}")
        base, make = SHAPES[name]
        base = max(1, int(base * args.scale))
        times = []
        for n in (base, 4 * base, 16 * base):
            with tempfile.TemporaryDirectory() as d:
                for path, text in make(n).items():
                    with open(os.path.join(d, path), "w", encoding="utf-8") as f:
                        f.write(text)
                times.append(run(args.bin, d))
        ratios = [b / a if a > 0.005 else float("nan") for a, b in zip(times, times[1:])]
        mark = ""
        if any(r > 8 for r in ratios if r == r):
            mark = "  <- grows faster than its input"
            flagged.append(name)
        shown = " / ".join("-" if r != r else f"{r:.1f}" for r in ratios)
        print(f"{name:26} {base:>7} {times[0]:>7.2f}s {times[1]:>7.2f}s {times[2]:>7.2f}s  {shown}{mark}")
    if flagged:
        print(f"\nrerun to confirm: bench/adversarial.py --only {','.join(flagged)}")


if __name__ == "__main__":
    main()
