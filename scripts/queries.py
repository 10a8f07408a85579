#!/usr/bin/env python3
"""Build the store's named queries: queries.py OUT.h OUT.c BACKEND=FILE.sql... -- SOURCE.c...

Each FILE.sql holds blocks that start with a line `-- name: some_query` (a query)
or `-- fragment: some_cols` (text that queries include as {{some_cols}}).  A block
runs to the next such line; lines that start with `--` and blank lines are left
out of the embedded text.  OUT.h gets `enum q_id` (Q_SOME_QUERY ..., Q__COUNT),
OUT.c one `const char *const q_sql_BACKEND[Q__COUNT]` table per backend.

The build fails (exit 1, one line per problem on stderr) when:
  - a name or fragment appears twice in a file, or is not [a-z][a-z0-9_]*;
  - a query includes a fragment that is not defined, or a fragment is never used;
  - the backends do not define the same set of names;
  - a SOURCE uses a Q_ id that no file defines (missing), or a query that no
    SOURCE uses (unused).
"""
import os
import re
import sys

HEAD = re.compile(r'--\s*(name|fragment):\s*(\S+)\s*$')
NAME = re.compile(r'[a-z][a-z0-9_]*')
INCLUDE = re.compile(r'\{\{([^}]*)\}\}')
USE = re.compile(r'\bQ_([A-Z0-9_]+)\b')


def parse(path, problems):
    """Returns ([(name, sql)] in file order) for one .sql file."""
    queries, fragments, order = {}, {}, []
    kind = name = None
    body = []
    used_fragments = set()

    def close():
        if kind is None:
            return
        text = '\n'.join(body).strip().rstrip(';').strip()
        if not text:
            problems.append('%s: %s %s is empty' % (path, kind, name))
        (queries if kind == 'name' else fragments)[name] = text

    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip('\n')
            m = HEAD.match(line.strip())
            if m:
                close()
                kind, name, body = m.group(1), m.group(2), []
                where = '%s:%d' % (path, lineno)
                if not NAME.fullmatch(name):
                    problems.append('%s: bad %s "%s" (use [a-z][a-z0-9_]*)' % (where, kind, name))
                if name in queries or name in fragments:
                    problems.append('%s: duplicate %s "%s"' % (where, kind, name))
                if kind == 'name':
                    order.append(name)
                continue
            stripped = line.strip()
            if not stripped or stripped.startswith('--'):
                continue
            if kind is None:
                problems.append('%s:%d: SQL before the first "-- name:"' % (path, lineno))
                continue
            body.append(line.rstrip())
    close()

    def expand(text, seen):
        def sub(m):
            ref = m.group(1).strip()
            if ref not in fragments:
                problems.append('%s: {{%s}} is not a fragment' % (path, ref))
                return ''
            if ref in seen:
                problems.append('%s: fragment %s includes itself' % (path, ref))
                return ''
            used_fragments.add(ref)
            return expand(fragments[ref], seen | {ref})
        return INCLUDE.sub(sub, text)

    out = [(n, expand(queries[n], set())) for n in order]
    for frag in sorted(set(fragments) - used_fragments):
        problems.append('%s: fragment %s is never used' % (path, frag))
    return out


def c_string(text):
    lines = text.split('\n')
    parts = []
    for i, line in enumerate(lines):
        esc = line.replace('\\', '\\\\').replace('"', '\\"')
        parts.append('"%s%s"' % (esc, '\\n' if i + 1 < len(lines) else ''))
    return '\n        '.join(parts)


def main(argv):
    if '--' not in argv or len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    sep = argv.index('--')
    out_h, out_c, backends, sources = argv[1], argv[2], argv[3:sep], argv[sep + 1:]
    problems = []
    tables = []
    for spec in backends:
        backend, _, path = spec.partition('=')
        if not NAME.fullmatch(backend) or not path:
            problems.append('queries.py: bad backend "%s" (want name=file.sql)' % spec)
            continue
        tables.append((backend, path, parse(path, problems)))
    if not tables:
        problems.append('queries.py: no backend given')
    names = [n for n, _ in tables[0][2]] if tables else []
    for backend, path, rows in tables[1:]:
        have = set(n for n, _ in rows)
        for n in sorted(set(names) - have):
            problems.append('%s: no query "%s" (%s has it)' % (path, n, tables[0][1]))
        for n in sorted(have - set(names)):
            problems.append('%s: query "%s" is not in %s' % (path, n, tables[0][1]))
    used = {}
    for src in sources:
        with open(src, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                for m in USE.finditer(line):
                    if m.group(1) != '_COUNT':
                        used.setdefault(m.group(1).lower(), '%s:%d' % (src, lineno))
    for n in sorted(set(used) - set(names)):
        problems.append('%s: Q_%s has no SQL in %s' % (used[n], n.upper(),
                                                       tables[0][1] if tables else '?'))
    for n in names:
        if n not in used:
            problems.append('%s: query "%s" is not used by any store source' % (tables[0][1], n))
    if problems:
        for p in problems:
            sys.stderr.write('queries.py: %s\n' % p)
        return 1

    guard = 'KNEAD_' + re.sub(r'[^A-Z0-9]', '_', os.path.basename(out_h).upper())
    with open(out_h, 'w', encoding='utf-8') as f:
        f.write('/* Generated by scripts/queries.py from %s; do not edit. */\n'
                % ', '.join(os.path.basename(p) for _, p, _ in tables))
        f.write('#ifndef %s\n#define %s\n\n' % (guard, guard))
        f.write('/* One id per named query; the SQL is in src/store/queries/<backend>.sql. */\n')
        f.write('enum q_id {\n')
        for n in names:
            f.write('    Q_%s,\n' % n.upper())
        f.write('    Q__COUNT\n};\n\n')
        for backend, _, _ in tables:
            f.write('extern const char *const q_sql_%s[Q__COUNT];\n' % backend)
        f.write('/* The names as written in the .sql files, for log lines. */\n')
        f.write('extern const char *const q_name[Q__COUNT];\n')
        f.write('\n#endif\n')
    with open(out_c, 'w', encoding='utf-8') as f:
        f.write('/* Generated by scripts/queries.py; do not edit. */\n')
        f.write('#include "%s"\n' % os.path.basename(out_h))
        for backend, _, rows in tables:
            f.write('\nconst char *const q_sql_%s[Q__COUNT] = {\n' % backend)
            for n, sql in rows:
                f.write('    [Q_%s] =\n        %s,\n' % (n.upper(), c_string(sql)))
            f.write('};\n')
        f.write('\nconst char *const q_name[Q__COUNT] = {\n')
        for n in names:
            f.write('    [Q_%s] = "%s",\n' % (n.upper(), n))
        f.write('};\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
