#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Fit markdown text from results/ into a mail body, 75 columns at most.

mk/fit.py [--width N] [--median] [--hdr 'LONG=SHORT']... <IN >OUT

Used by mk/cover.sh.  Markdown tables become aligned plain-text tables:
  --median         a cell "min / median / max" shows the median only,
                   and a header's "(min / median / max)" becomes "median"
  --hdr LONG=SHORT a header cell LONG (exact) is printed as SHORT and
                   listed in a legend under the table ("SHORT: LONG");
                   "!LONG=SHORT": no legend line
  --val LONG=SHORT the same for a body cell
  --drop HEADER    leave out the column HEADER (exact)
  --strip PREFIX   take PREFIX off the first column's cells (legend line)
A cell of more than 18 characters still too long for the table to fit
(the longest first) moves into a numbered note under the table ("[1]"),
identical cells sharing one.
Text outside tables is rewrapped to 72 columns where a line is wider than
--width (default 75); lines starting with "|", " ", "-" or "=" are kept.
"""
import argparse
import re
import sys
import textwrap

ap = argparse.ArgumentParser()
ap.add_argument('--width', type=int, default=75)
ap.add_argument('--median', action='store_true')
ap.add_argument('--hdr', action='append', default=[])
ap.add_argument('--val', action='append', default=[])
ap.add_argument('--drop', action='append', default=[])
ap.add_argument('--strip', default='')
args = ap.parse_args()
hdrs = dict(h.split('=', 1) for h in args.hdr)
vals = dict(h.split('=', 1) for h in args.val)
W = args.width
SEP = '  '


def cells(line):
    line = line.strip()
    if line.startswith('|'):
        line = line[1:]
    if line.endswith('|'):
        line = line[:-1]
    return [c.strip() for c in line.split('|')]


def render(rows):
    n = max(len(r) for r in rows)
    rows = [r + [''] * (n - len(r)) for r in rows]
    w = [max(len(r[i]) for r in rows) for i in range(n)]
    out = []
    for k, r in enumerate(rows):
        out.append(SEP.join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
        if k == 0:
            out.append(SEP.join('-' * w[i] for i in range(n)))
    return out


def table(lines):
    rows = [cells(l) for l in lines if not re.match(r'^\|[\s:|-]+\|?\s*$', l)]
    legend = []
    keep = [i for i, h in enumerate(rows[0]) if h not in args.drop]
    rows = [[r[i] for i in keep if i < len(r)] for r in rows]

    def short(c, table):
        for k in (c, '!' + c):
            if k in table:
                if not k.startswith('!') and (table[k], c) not in legend:
                    legend.append((table[k], c))
                return table[k]
        return c
    head = rows[0]
    for i, h in enumerate(head):
        if args.median:
            h = h.replace('(min / median / max)', 'median')
        head[i] = short(h, hdrs)
    body = [[short(c, vals) for c in r] for r in rows[1:]]
    if args.strip and any(r and r[0].startswith(args.strip) for r in body):
        legend.append((head[0], args.strip + '...'))
        body = [[r[0][len(args.strip):] if r[0].startswith(args.strip) else r[0]] + r[1:]
                for r in body if r]
    if args.median:
        body = [[re.sub(r'^(\S+) / (\S+) / (\S+)$', r'\2', c) for c in r] for r in body]
    rows = [head] + body
    notes = []
    while max(len(l) for l in render(rows)) > W:
        # The longest cell not yet a note (outside the first column,
        # which names the row).
        cand = [(len(c), j, i) for j, r in enumerate(rows[1:], 1)
                for i, c in enumerate(r) if i > 0 and not re.match(r'^\[\d+\]$', c)]
        if not cand or max(cand)[0] <= 18:
            break
        _, j, i = max(cand)
        text = rows[j][i]
        if text not in notes:
            notes.append(text)
        mark = '[%d]' % (notes.index(text) + 1)
        rows = [[mark if c == text else c for c in r] for r in rows]
    out = render(rows)
    if legend or notes:
        out.append('')
    for a, b in legend:
        out += textwrap.wrap('%s: %s' % (a, b), 72, subsequent_indent='  ')
    for k, t in enumerate(notes, 1):
        out += textwrap.wrap('[%d] %s' % (k, t), 72, subsequent_indent='    ')
    return out


def prose(par):
    if all(len(l) <= W for l in par):
        return par
    return textwrap.wrap(' '.join(l.strip() for l in par), 72,
                         break_long_words=False, break_on_hyphens=False)


lines = sys.stdin.read().split('\n')
if lines and lines[-1] == '':
    lines.pop()
out = []
i = 0
while i < len(lines):
    l = lines[i]
    if l.startswith('|'):
        j = i
        while j < len(lines) and lines[j].startswith('|'):
            j += 1
        out += table(lines[i:j])
        i = j
    elif l.strip() == '' or l[0] in ' -=':
        out.append(l)
        i += 1
    else:
        j = i
        while j < len(lines) and lines[j].strip() and lines[j][0] not in '| -=':
            j += 1
        out += prose(lines[i:j])
        i = j
print('\n'.join(out))
