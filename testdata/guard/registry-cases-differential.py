#!/usr/bin/env python3
"""Every unit-test input of the AWS Guard Rules Registry, evaluated by every
rule of its rule file with `guard validate` of eks-sg-lint and
`cfn-guard validate` 3.2.1: PASS/FAIL/SKIP compared per (case, rule), not
just where the test file states an expectation.

Usage: registry-cases-differential.py REGISTRY_DIR EKS_SG_LINT CFN_GUARD
The inputs are written as JSON (short tags as CloudFormation long forms) so
that both tools read the same data."""
import json, os, re, subprocess, sys, tempfile
import yaml

reg, ours, ref = sys.argv[1:4]

class Loader(yaml.SafeLoader):
    pass

def long_form(tag):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            v = loader.construct_scalar(node)
            if tag == 'GetAtt':
                return {'Fn::GetAtt': v.split('.', 1)}
            return {('Ref' if tag in ('Ref',) else 'Condition' if tag == 'Condition' else 'Fn::' + tag): v}
        if isinstance(node, yaml.SequenceNode):
            return {'Fn::' + tag: loader.construct_sequence(node, deep=True)}
        return {'Fn::' + tag: loader.construct_mapping(node, deep=True)}
    return construct

for t in ['Ref', 'GetAtt', 'Sub', 'If', 'Select', 'Join', 'Split', 'FindInMap', 'Base64',
          'GetAZs', 'ImportValue', 'Equals', 'Not', 'And', 'Or', 'Condition', 'Cidr']:
    Loader.add_constructor('!' + t, long_form(t))
# Plain YAML 1.2 scalars, as the `test` command reads them.
Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != 'tag:yaml.org,2002:bool']
                                  for k, v in Loader.yaml_implicit_resolvers.copy().items()}
Loader.add_implicit_resolver('tag:yaml.org,2002:bool', re.compile(r'^(?:true|True|TRUE|false|False|FALSE)$'),
                             list('tTfF'))

def verdicts(out):
    return sorted(set(re.findall(r'^\S+\.guard/(\S+)\s+(PASS|FAIL|SKIP)$', out, re.M)))

cases = same = pairs = agree = 0
with tempfile.TemporaryDirectory() as work:
    for root, _, files in sorted(os.walk(os.path.join(reg, 'rules'))):
        for f in sorted(files):
            if not f.endswith('.guard'):
                continue
            rule = os.path.join(root, f)
            stem = f[:-6]
            tests_dir = os.path.join(root, 'tests')
            if not os.path.isdir(tests_dir):
                continue
            for t in sorted(os.listdir(tests_dir)):
                if not t.startswith(stem) or not t.endswith(('.yml', '.yaml', '.json')):
                    continue
                try:
                    doc = yaml.load(open(os.path.join(tests_dir, t)), Loader=Loader)
                except Exception as e:
                    print(f'skip {t}: {e}')
                    continue
                for i, case in enumerate(doc or []):
                    data = os.path.join(work, 'input.json')
                    json.dump(case.get('input', {}) if isinstance(case, dict) else {}, open(data, 'w'), default=str)
                    a = subprocess.run([ours, 'guard', 'validate', '-r', rule, '-d', data, '-S', 'all'], capture_output=True, text=True)
                    b = subprocess.run([ref, 'validate', '-r', rule, '-d', data, '-S', 'all'], capture_output=True, text=True)
                    va, vb = verdicts(a.stdout), verdicts(b.stdout)
                    cases += 1
                    pairs += len(vb)
                    agree += len(set(va) & set(vb))
                    if va == vb and a.returncode == b.returncode:
                        same += 1
                    else:
                        print(f'DIFF {rule} {t} case {i + 1}: ours={va} rc={a.returncode} cfn-guard={vb} rc={b.returncode}')
print(f'cases: {cases}; identical: {same}; (case, rule) verdicts: {pairs}; agreeing: {agree}')
