#!/usr/bin/env python3
"""The layering rules of docs/ARCHITECTURE.md, checked on the source tree.

A module is a .c/.h pair under src/ ("web/staff" for src/web/staff.c and
src/web/staff.h); a header x_impl.h with no .c of its own is module x's
private interface (store/store_impl.h, which the backends include) and
counts as x. Module a depends on b when a.c or a.h includes "b.h".
Fails (exit 1, one line per broken rule) when
  - the dependency graph of src/ has a cycle (a strongly connected
    component of more than one module), or
  - a file in src/svc or src/mail includes a web/ or http/ header, or a
    file in src/svc includes a mail/ header, or
  - a file in src/core includes anything but core/ and util/, or
  - a file outside a module's directory includes its private x_impl.h
    (store/store_impl.h, svc/booking_impl.h).
Prints "RESULT <passed> <failed>" (one check per rule) for tests/run-all.sh.

usage: check_includes.py [SRC_DIR]   (default: src/ beside tests/)
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def owner(src, mod):
    """The module a file belongs to: x_impl.h with no x_impl.c is x's."""
    if mod.endswith('_impl') and not os.path.exists(os.path.join(src, mod + '.c')) \
            and os.path.exists(os.path.join(src, mod[:-5] + '.h')):
        return mod[:-5]
    return mod


def modules(src):
    """{module: [included module, ...]} and {file: [included path, ...]}."""
    deps, files = {}, {}
    for d, _, names in os.walk(src):
        for n in sorted(names):
            if not n.endswith(('.c', '.h')):
                continue
            path = os.path.join(d, n)
            rel = os.path.relpath(path, src)
            mod = owner(src, rel[:-2])
            with open(path, encoding='utf-8', errors='replace') as f:
                inc = INCLUDE.findall(f.read())
            files[rel] = inc
            deps.setdefault(mod, set())
            for i in inc:
                if i.endswith('.h') and os.path.exists(os.path.join(src, i)):
                    to = owner(src, i[:-2])
                    if to != mod:
                        deps[mod].add(to)
    return deps, files


def cycles(deps):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(deps.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(deps):
        if v not in index:
            visit(v)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, '..', '..', 'src')
    deps, files = modules(src)
    failed = passed = 0

    found = cycles(deps)
    for comp in found:
        print('include cycle among: ' + ', '.join(comp))
    failed += bool(found)
    passed += not found

    bad = []
    for rel, inc in sorted(files.items()):
        layer = rel.split(os.sep)[0]
        for i in inc:
            top = i.split('/')[0]
            if layer in ('svc', 'mail') and top in ('web', 'http'):
                bad.append('%s includes "%s": %s/ must not know %s/' % (rel, i, layer, top))
            if layer == 'svc' and top == 'mail':
                bad.append('%s includes "%s": svc/ must not know mail/' % (rel, i))
            if layer == 'core' and '/' in i and top not in ('core', 'util'):
                bad.append('%s includes "%s": core/ includes only core/ and util/' % (rel, i))
            if i.endswith('_impl.h') and '/' in i and top != layer:
                bad.append('%s includes "%s": private to %s/' % (rel, i, top))
    for b in bad:
        print(b)
    failed += bool(bad)
    passed += not bad

    if not failed:
        print('layers: %d modules, no include cycle, svc/ mail/ core/ include only below them'
              % len(deps))
    print('RESULT %d %d' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
