#!/usr/bin/env bash
# The man page, vigil(8): groff and man render it without a warning; every
# option of `vigil --help` and of each sub-command's usage has an entry of
# its own (a tag line) in OPTIONS or SUB-COMMANDS; every option the page
# gives an entry to is one vigil knows; every sub-command of `vigil --help`
# has an entry, and every entry is a sub-command vigil runs. So the page and
# the program cannot drift apart.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VIGIL=${VIGIL:-$BUILD/vigil}
PAGE=${PAGE:-sensor/vigil.8}
for t in groff man python3; do
	command -v $t > /dev/null || { echo "service-man: SKIP: $t missing (make test-deps)"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

if groff -man -ww -z "$PAGE" > "$tmp/groff" 2>&1 && [ ! -s "$tmp/groff" ]; then
	echo "  ok    groff -man -ww -z: no warning"
else
	echo "  FAIL  groff -man -ww -z: $(head -3 "$tmp/groff")"
	fail=1
fi
if MANWIDTH=80 man --warnings=w -l "$PAGE" > "$tmp/man.txt" 2> "$tmp/man.err" && [ ! -s "$tmp/man.err" ]; then
	echo "  ok    man -l: renders ($(wc -l < "$tmp/man.txt") lines) without a warning"
else
	echo "  FAIL  man -l: $(head -3 "$tmp/man.err")"
	fail=1
fi
groff -man -Tascii -P-cbou "$PAGE" > "$tmp/page.txt" 2> /dev/null
"$VIGIL" --help > "$tmp/help" 2>&1

python3 - "$tmp/page.txt" "$tmp/help" "$VIGIL" << 'EOF' || fail=1
import re
import subprocess
import sys

page_txt, help_txt, vigil = sys.argv[1:]
OPT = re.compile(r"(?:^|(?<=[\s,\[|]))(--?[A-Za-z][A-Za-z0-9-]*)")

def options(text):
    return {m.group(1) for m in OPT.finditer(text)}

def sections(lines):
    out, cur = {}, None
    for line in lines:
        if line and not line[0].isspace():
            cur = line.strip()
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out

page = open(page_txt).read().splitlines()
sec = sections(page)
fail = 0

def tags(lines):
    """The options each entry's tag line names (a line that starts with an
    option, indented as a tag)."""
    found = {}
    for line in lines:
        s = line.strip()
        indent = len(line) - len(line.lstrip())
        if s.startswith("-") and indent in (7, 14):
            for o in options(s):
                found.setdefault(o, s)
    return found

opt_tags = tags(sec.get("OPTIONS", []))
sub_lines = sec.get("SUB-COMMANDS", [])
sub_tags = tags(sub_lines)
help_text = open(help_txt).read()
help_usage, _, help_opts = help_text.partition("\noptions:\n")

# every option of --help: an entry in OPTIONS
help_options = options(help_opts)
missing = sorted(help_options - set(opt_tags))
if missing or len(help_options) < 20:
    print("  FAIL  vigil --help options without an entry in vigil(8) OPTIONS: %s (of %d)"
          % (" ".join(missing), len(help_options)))
    fail = 1
else:
    print("  ok    the %d options of vigil --help each have an entry in OPTIONS" % len(help_options))
# the sub-commands of vigil --help (keygen, verify, inventory, ...)
help_subs = set(re.findall(r"^\s*(?:usage:)?\s*vigil ([a-z]+) ", help_usage, re.M))
# the options of the usage lines (-r, -i, --xdp, --xdp-mode, --test-rules, -S, -T, -c)
usage_options = options("\n".join(l for l in help_usage.splitlines()
                                  if not l.strip().startswith("exit")
                                  and not any("vigil %s" % s in l for s in help_subs)))
missing = sorted(usage_options - set(opt_tags))
if missing:
    print("  FAIL  options of vigil's usage lines without an entry: %s" % " ".join(missing))
    fail = 1
# every option of each sub-command's own usage (vigil SUB without arguments
# prints it): an entry under SUB-COMMANDS; and no entry there for an option
# no sub-command has
sub_options = set()
for s in sorted(help_subs):
    r = subprocess.run([vigil, s], capture_output=True, text=True, timeout=30)
    sub_options |= options(r.stdout + r.stderr) - {"--key"}
missing = sorted(sub_options - set(sub_tags))
if missing or not sub_options:
    print("  FAIL  sub-command options without an entry in SUB-COMMANDS: %s" % " ".join(missing))
    fail = 1
else:
    print("  ok    the sub-commands' options (%s) each have an entry" % " ".join(sorted(sub_options)))
extra = sorted(set(sub_tags) - sub_options)
if extra:
    print("  FAIL  SUB-COMMANDS entries for options no sub-command lists: %s" % " ".join(extra))
    fail = 1

# every option with an entry in OPTIONS is one vigil knows: it is not
# "unknown" (given alone, it asks for its argument or for a source)
unknown = []
for o in sorted(opt_tags):
    r = subprocess.run([vigil, o], capture_output=True, text=True, timeout=30)
    if "unknown option" in r.stderr or "unrecognized option" in r.stderr:
        unknown.append(o)
if unknown:
    print("  FAIL  vigil(8) has entries for options vigil does not know: %s" % " ".join(unknown))
    fail = 1
else:
    print("  ok    the %d options with an entry in vigil(8) are all known to vigil" % len(opt_tags))

# sub-commands: those of vigil --help, and those with an entry
page_subs = set()
for line in sub_lines:
    m = re.match(r"^ {7}vigil ([a-z]+)\b", line)
    if m:
        page_subs.add(m.group(1))
if help_subs != page_subs or not help_subs:
    print("  FAIL  sub-commands: vigil --help has %s, vigil(8) SUB-COMMANDS has %s"
          % (sorted(help_subs), sorted(page_subs)))
    fail = 1
else:
    print("  ok    sub-commands %s: each has an entry, and each entry is one vigil has"
          % " ".join(sorted(page_subs)))
for s in sorted(page_subs):
    r = subprocess.run([vigil, s], capture_output=True, text=True, timeout=30)
    if "usage: vigil %s" % s not in r.stderr and "usage: vigil %s" % s not in r.stdout:
        print("  FAIL  vigil %s (no argument) does not answer with its usage" % s)
        fail = 1
for name in ("SIGNALS", "EXIT STATUS", "FILES", "CONFIGURATION"):
    if not sec.get(name):
        print("  FAIL  vigil(8) has no %s section" % name)
        fail = 1
sys.exit(fail)
EOF
[ $fail -eq 0 ] && echo "service-man: all passed"
exit $fail
