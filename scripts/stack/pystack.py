#!/usr/bin/python3
"""Locks and builds a generated project's Python environment from what this machine holds.

Two sources, both offline:
  * the local index of upstream wheels that pip is configured with (`pip config list`
    names it): upstream's own code and metadata;
  * Debian's suites (trixie, forky, sid, experimental), read through a private apt
    configuration under .cache/stack, for what that index lacks or cannot run.

  pystack.py lock  --python 3.13 -r requirements-dev.txt -r requirements-prod.txt
      prints the whole dependency closure, one exact version per distribution, in the
      format of pip-compile (a constraints file).
  pystack.py build --python 3.13 -r requirements-prod.txt -c constraints.txt --dest DIR
      installs exactly what those requirements need, each at its version in the
      constraints file, into DIR/site (for PYTHONPATH) and DIR/bin (console scripts),
      and prints a table of every distribution: locked, ran, and where it came from.
      A distribution the constraints lack, or one no source has at its version, fails
      the build, naming it; the exceptions below are printed with their reason.

Runs on the host's /usr/bin/python3; DIR may lie inside a Debian root whose Python is
the --python given (its console scripts start /usr/bin/python3 of that root).
"""
import argparse
import email.parser
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get('PYSTACK_CACHE', os.path.join(REPO, '.cache', 'stack'))
SUITES = ['trixie', 'forky', 'sid', 'experimental']
# The Python each suite builds its compiled modules for (python3's version there).
SUITE_PYTHON = {'trixie': '3.13', 'forky': '3.14', 'sid': '3.14', 'experimental': '3.14'}
KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg'

# Reviewed exceptions: distributions a tier cannot run at their locked version.
# Each is locked all the same (the images install it); the build skips it and says why.
EXCEPTIONS = {
    'flower': {
        'reason': 'no build of Flower in any source here (no Debian package, not in the local '
                  'index): not installed; its start script is run up to `celery flower`; its '
                  'requirements, as its repository states them, are locked',
        # Flower's requirements as its repository states them (requirements/default.txt,
        # August 2026, before 2.2.0): no metadata of 2.2.0 itself is here.
        'requires': ['celery>=5.0.5', 'tornado<7.0.0,>=6.5.7', 'prometheus_client>=0.8.0', 'humanize', 'pytz'],
    },
    'psycopg-binary': {
        'reason': "psycopg's C build for this Python exists in no source here: not installed; "
                  'psycopg runs its Python implementation over the system libpq instead',
        'requires': [],
    },
}
# Django alone: a newer patch release of the line (a security release) is locked, and
# the nearest build of the same X.Y line runs.
NEWER_PATCH_OK = {'django'}

sys.path.insert(0, next(iter(glob.glob('/opt/pypi*/files/packaging-*-py3-none-any.whl')), ''))
try:
    from packaging.markers import Marker  # noqa: E402
    from packaging.requirements import Requirement  # noqa: E402
    from packaging.specifiers import SpecifierSet  # noqa: E402
    from packaging.utils import canonicalize_name  # noqa: E402
    from packaging.version import InvalidVersion, Version  # noqa: E402
except ImportError:
    sys.exit('pystack: no `packaging` wheel in a local index (/opt/pypi*/files): '
             'this tool needs the local index of upstream wheels that pip is configured with')


def die(message):
    sys.exit(f'pystack: error: {message}')


def log(message):
    print(f'==> {message}', file=sys.stderr)


# ---------------------------------------------------------------------------
# The local index of upstream wheels
# ---------------------------------------------------------------------------
def index_dirs():
    """The file:// indexes pip is configured with."""
    for pip in (['pip'], ['/usr/bin/python3', '-m', 'pip']):
        try:
            out = subprocess.run([*pip, 'config', 'list'], capture_output=True, text=True, timeout=60).stdout
        except OSError:
            continue
        dirs = []
        for line in out.splitlines():
            if re.match(r"^[\w:.-]*\.(extra-)?index-url=", line):
                value = line.split('=', 1)[1].strip("'\"")
                dirs += [url[len('file://'):] for url in value.split() if url.startswith('file://')]
        dirs = [d for d in dirs if os.path.isdir(d)]
        if dirs:
            return dirs
    die('pip is configured with no local index (`pip config list` names no file:// index-url '
        'or extra-index-url that exists): the tiers install upstream wheels from it')


def wheel_tags(filename):
    parts = filename[:-len('.whl')].split('-')
    return parts[-3].split('.'), parts[-2], parts[-1].split('.')


def wheel_runs_on(filename, python):
    pys, abi, plats = wheel_tags(filename)
    if not any(p == 'any' or 'x86_64' in p for p in plats):
        return False
    nodot = python.replace('.', '')
    if abi == 'none':
        return any(p in ('py3', f'py{nodot}', f'cp{nodot}') or p.startswith('py3') for p in pys)
    if abi == 'abi3':
        return any(p.startswith('cp3') and int(p[3:]) <= int(nodot[1:]) for p in pys)
    return abi == f'cp{nodot}'


class Candidate:
    """One build of one distribution version."""

    def __init__(self, name, version, source, runs_on, fetch):
        self.name, self.version, self.source, self._runs_on, self._fetch = name, version, source, runs_on, fetch
        self._metadata = None
        # A Debian build's (package, version); None for a wheel.
        self.deb = None

    def runs_on(self, python):
        return self._runs_on(python)

    def path(self):
        return self._fetch()


def index_candidates():
    found = {}
    for base in index_dirs():
        for project in os.listdir(base):
            page = os.path.join(base, project, 'index.html')
            if not os.path.isfile(page):
                continue
            with open(page, encoding='utf-8') as f:
                for href in re.findall(r'href="([^"#]+)', f.read()):
                    file = os.path.normpath(os.path.join(base, project, href))
                    name = os.path.basename(file)
                    if not name.endswith('.whl'):
                        continue
                    version = name.split('-')[1]
                    found.setdefault(canonicalize_name(project), []).append(Candidate(
                        canonicalize_name(project), version, f'upstream wheel ({name})',
                        lambda py, n=name: wheel_runs_on(n, py), lambda f=file: f))
    return found


# ---------------------------------------------------------------------------
# Debian's suites, through a private apt configuration
# ---------------------------------------------------------------------------
APT = os.path.join(CACHE, 'apt')


def apt_options():
    return ['-o', f'Dir::Etc::SourceList={APT}/sources.list', '-o', 'Dir::Etc::SourceParts=/dev/null',
            '-o', f'Dir::State::Lists={APT}/lists', '-o', f'Dir::Cache={APT}/cache',
            '-o', 'Dir::State::status=/dev/null', '-o', 'Acquire::Languages=none',
            '-o', 'APT::Sandbox::User=root', '-o', 'Debug::NoLocking=1', '-q']


def mirror():
    try:
        with open('/etc/apt/sources.list.d/debian.sources', encoding='utf-8') as f:
            match = re.search(r'^URIs:\s*(\S+)', f.read(), re.M)
            if match:
                return match.group(1)
    except OSError:
        pass
    die('no Debian mirror in /etc/apt/sources.list.d/debian.sources')


def apt_update(force=False):
    os.makedirs(f'{APT}/lists/partial', exist_ok=True)
    os.makedirs(f'{APT}/cache/archives/partial', exist_ok=True)
    lines = ''.join(f'deb [signed-by={KEYRING}] {mirror()} {s} main\n' for s in SUITES)
    path = f'{APT}/sources.list'
    current = open(path, encoding='utf-8').read() if os.path.exists(path) else ''
    if current != lines:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(lines)
        force = True
    if force or not glob.glob(f'{APT}/lists/*_Packages*'):
        log(f'apt-get update ({", ".join(SUITES)}; private configuration in {os.path.relpath(APT, REPO)})')
        if subprocess.run(['apt-get', *apt_options(), 'update'], stdin=subprocess.DEVNULL, stdout=sys.stderr).returncode != 0:
            die('apt-get update of the Debian suites failed')


def debian_upstream(version):
    version = version.split(':', 1)[-1].rsplit('-', 1)[0]
    version = version.split('really.')[-1]
    return re.split(r'\+(dfsg|ds)', version)[0]


def python_range(depends):
    """The Python versions a package's Depends allow, as a SpecifierSet (or None)."""
    specs = re.findall(r'python3 \(([<>=]+) ([\d.]+)~?\)', depends or '')
    return SpecifierSet(','.join(f'{op.replace("<<", "<").replace(">>", ">")}{v}' for op, v in specs)) if specs else None


def debian_candidates():
    found = {}
    for listing in glob.glob(f'{APT}/lists/*_Packages*'):
        suite = next((s for s in SUITES if f'_dists_{s}_' in listing), None)
        if suite is None:
            continue
        # apt keeps its lists compressed (lz4): its helper reads them.
        text = subprocess.run(['/usr/lib/apt/apt-helper', 'cat-file', listing], capture_output=True, check=True).stdout
        stanzas = text.decode('utf-8', 'replace').split('\n\n')
        for stanza in stanzas:
            fields = dict(re.findall(r'^([\w-]+): (.*)$', stanza, re.M))
            package = fields.get('Package', '')
            if not package.startswith('python3-') and package not in DEBIAN_NAMES.values():
                continue
            arch = fields.get('Architecture')
            allowed = python_range(fields.get('Depends'))

            def runs_on(py, arch=arch, allowed=allowed, suite=suite):
                if arch != 'all':
                    return py == SUITE_PYTHON[suite] and (allowed is None or allowed.contains(py + '.0'))
                return allowed is None or allowed.contains(py + '.0')

            cand = Candidate(None, debian_upstream(fields['Version']),
                             f'Debian {suite} {package} {fields["Version"]}', runs_on,
                             lambda p=package, v=fields['Version']: fetch_deb(p, v))
            cand.deb = (package, fields['Version'])
            found.setdefault(package, []).append(cand)
    return found


def fetch_deb(package, version):
    """The folder a Debian package is unpacked in (downloaded once, cached)."""
    debs = os.path.join(CACHE, 'debs')
    os.makedirs(debs, exist_ok=True)
    stem = f'{package}_{version.replace(":", "%3a")}_'
    existing = [d for d in glob.glob(os.path.join(debs, stem + '*.deb'))]
    if not existing:
        log(f'apt-get download {package}={version}')
        run = subprocess.run(['apt-get', *apt_options(), 'download', f'{package}={version}'], cwd=debs, stdin=subprocess.DEVNULL, stdout=sys.stderr)
        if run.returncode != 0:
            die(f'apt-get download {package}={version} failed')
        existing = glob.glob(os.path.join(debs, stem + '*.deb'))
    unpacked = os.path.join(CACHE, 'unpacked', os.path.basename(existing[0])[:-4])
    if not os.path.isdir(unpacked):
        partial = unpacked + '.partial'
        shutil.rmtree(partial, ignore_errors=True)
        os.makedirs(os.path.dirname(partial), exist_ok=True)
        subprocess.run(['dpkg', '-x', existing[0], partial], check=True)
        os.replace(partial, unpacked)
    return unpacked


# Distribution names whose Debian package is not python3-<name>.
DEBIAN_NAMES = {'python-dateutil': 'python3-dateutil', 'pytz': 'python3-tz', 'pyyaml': 'python3-yaml',
               'python-crontab': 'python3-crontab',
               'pre-commit': 'pre-commit'}
# Debian packages whose program lies in a companion package of the same version (upstream's
# wheel carries it in its .data/scripts): python3-ruff's `ruff` is in the package `ruff`.
DEBIAN_PROGRAMS = {'python3-ruff': ('ruff', 'usr/bin/ruff')}


# ---------------------------------------------------------------------------
# Metadata
# ---------------------------------------------------------------------------
def read_metadata(cand):
    if cand._metadata is None:
        path = cand.path()
        if path.endswith('.whl'):
            with zipfile.ZipFile(path) as z:
                name = next(n for n in z.namelist() if re.match(r'[^/]+\.dist-info/METADATA$', n))
                cand._metadata = email.parser.Parser().parsestr(z.read(name).decode())
        else:
            site = os.path.join(path, 'usr/lib/python3/dist-packages')
            infos = glob.glob(os.path.join(site, '*.dist-info/METADATA')) + glob.glob(os.path.join(site, '*.egg-info'))
            if not infos:
                die(f'{cand.source} holds no Python distribution metadata')
            cand._metadata = egg_metadata(infos[0]) if infos[0].endswith('.egg-info') else \
                email.parser.Parser().parsestr(open(infos[0], encoding='utf-8').read())
    return cand._metadata


def egg_metadata(info):
    pkg = os.path.join(info, 'PKG-INFO') if os.path.isdir(info) else info
    meta = email.parser.Parser().parsestr(open(pkg, encoding='utf-8').read())
    requires = os.path.join(info, 'requires.txt')
    if os.path.isdir(info) and os.path.exists(requires):
        section = ''
        for line in open(requires, encoding='utf-8').read().splitlines():
            line = line.strip()
            if not line:
                continue
            if line.startswith('['):
                section = line[1:-1]
                continue
            extra, _, marker = section.partition(':')
            conds = [f'({marker})'] if marker else []
            if extra:
                conds.append(f'extra == "{extra}"')
            meta['Requires-Dist'] = line + (f'; {" and ".join(conds)}' if conds else '')
    return meta


def environment(python, extra=''):
    return {'python_version': python, 'python_full_version': python + '.0', 'sys_platform': 'linux',
            'platform_system': 'Linux', 'platform_machine': 'x86_64', 'os_name': 'posix',
            'platform_python_implementation': 'CPython', 'implementation_name': 'cpython', 'extra': extra}


def requirements_of(name, cand, extras, python):
    if name in EXCEPTIONS and cand is None:
        reqs = [Requirement(r) for r in EXCEPTIONS[name]['requires']]
    else:
        reqs = [Requirement(r) for r in read_metadata(cand).get_all('Requires-Dist') or []]
    out = []
    for req in reqs:
        if req.marker is None or any(req.marker.evaluate(environment(python, e)) for e in [*extras, '']):
            out.append(req)
    return out


def read_requirements(path, seen=None):
    """The requirements of a requirements file, following -r (relative to the file), each
    with the file that names it."""
    seen = seen or set()
    path = os.path.abspath(path)
    if path in seen:
        return []
    seen.add(path)
    out = []
    for raw in open(path, encoding='utf-8').read().splitlines():
        line = raw.split(' #')[0].strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith(('-r ', '--requirement ')):
            out += read_requirements(os.path.join(os.path.dirname(path), line.split(None, 1)[1]), seen)
        elif line.startswith('-'):
            die(f'{path}: this tool reads requirements and -r only, not {line.split()[0]}')
        else:
            out.append((Requirement(line), os.path.basename(path)))
    return out


def read_constraints(path):
    pins = {}
    for req, _ in read_requirements(path):
        spec = list(req.specifier)
        if len(spec) != 1 or spec[0].operator != '==' or req.extras or req.marker:
            die(f'{path}: "{req}" is not a pin (NAME==VERSION, no extras, no markers)')
        name = canonicalize_name(req.name)
        if name in pins:
            die(f'{path}: {req.name} is pinned twice')
        pins[name] = spec[0].version
    return pins


# ---------------------------------------------------------------------------
# Resolution
# ---------------------------------------------------------------------------
class Sources:
    def __init__(self, any_build=False):
        # any_build: take a build for another Python as if it ran on this one (a lock from
        # metadata alone, for a Python no tier here runs).
        self.any_build = any_build
        apt_update()
        self.index = index_candidates()
        self.debian = debian_candidates()

    def candidates(self, name):
        deb = DEBIAN_NAMES.get(name, 'python3-' + name)
        return self.index.get(name, []) + self.debian.get(deb, [])

    def pick(self, name, specifier, python, pinned=None):
        """The build to run for `name`: (candidate or None, the version locked, a note)."""
        usable = []
        for cand in self.candidates(name):
            try:
                version = Version(cand.version)
            except InvalidVersion:
                continue
            if (self.any_build or cand.runs_on(python)) and (pinned is None or version == Version(pinned)) and specifier.contains(version, prereleases=False):
                usable.append((version, cand.source.startswith('upstream'), cand))
        if usable:
            # Upstream's own wheel first (its code and metadata are what pip installs in the
            # image); else the newest Debian build.
            usable.sort(key=lambda t: (t[1], t[0]))
            return usable[-1][2], str(usable[-1][0]), ''
        if name in EXCEPTIONS:
            locked = pinned or lower_bound(specifier)
            if locked is None:
                die(f'{name}: give it an exact or minimum version (it is an exception with no build here)')
            return None, locked, EXCEPTIONS[name]['reason']
        if name in NEWER_PATCH_OK:
            locked = pinned or lower_bound(specifier)
            if locked:
                line = Version(locked).release[:2]
                same = [(Version(c.version), c) for c in self.candidates(name)
                        if c.runs_on(python) and Version(c.version).release[:2] == line and Version(c.version) <= Version(locked)]
                if same:
                    version, cand = max(same, key=lambda t: t[0])
                    return cand, locked, (f'the newer patch release {locked} is locked (a security release); '
                                          f'the nearest build of the {line[0]}.{line[1]} line, {version}, runs here')
        have = ', '.join(sorted({f'{c.version} ({c.source})' for c in self.candidates(name)})) or 'nothing'
        wanted = f'=={pinned}' if pinned else str(specifier) or 'any version'
        die(f'{name}{wanted} for Python {python}: no source here has a build of it that runs on that Python '
            f'(found: {have})')


def lower_bound(specifier):
    for spec in specifier:
        if spec.operator in ('>=', '==', '~='):
            return spec.version
    return None


def resolve(roots, python, sources, pins=None):
    """The closure of `roots`: {name: (candidate, locked version, note, {parents}, extras)}."""
    wanted = {}    # name -> [SpecifierSet parts], extras, parents
    order = []

    def want(req, parent):
        name = canonicalize_name(req.name)
        entry = wanted.setdefault(name, {'spec': SpecifierSet(), 'extras': set(), 'via': set()})
        if name not in order:
            order.append(name)
        entry['spec'] &= req.specifier
        entry['extras'] |= set(req.extras)
        entry['via'].add(parent)

    for req, parent in roots:
        if req.marker is None or req.marker.evaluate(environment(python)):
            want(req, parent)
    picked = {}
    changed = True
    while changed:
        changed = False
        for name in list(order):
            entry = wanted[name]
            if pins is not None and name not in pins:
                die(f'{name} (needed by {", ".join(sorted(entry["via"]))}) is not in the constraints file: '
                    'the lock lacks it; regenerate the lock')
            key = (str(entry['spec']), tuple(sorted(entry['extras'])))
            if name in picked and picked[name][5] == key:
                continue
            pinned = pins.get(name) if pins is not None else None
            if pinned and not entry['spec'].contains(pinned, prereleases=True):
                die(f'{name}=={pinned} in the constraints file does not satisfy {entry["spec"]} '
                    f'(needed by {", ".join(sorted(entry["via"]))})')
            cand, locked, note = sources.pick(name, entry['spec'], python, pinned)
            picked[name] = (cand, locked, note, entry['via'], entry['extras'], key)
            for req in requirements_of(name, cand, sorted(entry['extras']), python):
                want(req, name)
            changed = True
    return picked


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------
def roots_of(files):
    roots, seen = [], set()
    for path in files:
        roots += [(req, '-r ' + file) for req, file in read_requirements(path, seen)]
    return roots


def cmd_lock(args):
    picked = resolve(roots_of(args.requirement), args.python, Sources(args.metadata_only))
    lines = []
    for name in sorted(picked):
        cand, locked, note, via, _, _ = picked[name]
        lines.append(f'{name}=={locked}')
        parents = sorted(via)
        if len(parents) == 1:
            lines.append(f'    # via {parents[0]}')
        else:
            lines.append('    # via')
            lines += [f'    #   {p}' for p in parents]
    print('\n'.join(lines))


def console_scripts(cand):
    if cand.path().endswith('.whl'):
        with zipfile.ZipFile(cand.path()) as z:
            names = [n for n in z.namelist() if re.match(r'[^/]+\.dist-info/entry_points\.txt$', n)]
            text = z.read(names[0]).decode() if names else ''
    else:
        site = os.path.join(cand.path(), 'usr/lib/python3/dist-packages')
        files = glob.glob(os.path.join(site, '*.dist-info/entry_points.txt')) + glob.glob(os.path.join(site, '*.egg-info/entry_points.txt'))
        text = open(files[0], encoding='utf-8').read() if files else ''
    section, out = '', {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('['):
            section = line[1:-1].strip()
        elif section == 'console_scripts' and '=' in line:
            key, value = (s.strip() for s in line.split('=', 1))
            out[key] = value
    return out


def install(cand, site, bin_dir):
    path = cand.path()
    if path.endswith('.whl'):
        with zipfile.ZipFile(path) as z:
            for member in z.namelist():
                parts = member.split('/')
                if '..' in parts or member.startswith('/'):
                    die(f'{path}: unsafe path {member}')
                if re.match(r'[^/]+\.data/', member):
                    kind = parts[1]
                    if kind in ('purelib', 'platlib'):
                        target = os.path.join(site, *parts[2:])
                    elif kind == 'scripts' and len(parts) == 3 and parts[2]:
                        # A program the wheel ships (pip puts it in the environment's bin).
                        target = os.path.join(bin_dir, parts[2])
                        with z.open(member) as src, open(target, 'wb') as dst:
                            shutil.copyfileobj(src, dst)
                        os.chmod(target, 0o755)
                        continue
                    else:
                        continue
                else:
                    target = os.path.join(site, member)
                if member.endswith('/'):
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with z.open(member) as src, open(target, 'wb') as dst:
                    shutil.copyfileobj(src, dst)
    else:
        source = os.path.join(path, 'usr/lib/python3/dist-packages')
        for entry in os.listdir(source):
            target = os.path.join(site, entry)
            src = os.path.join(source, entry)
            if os.path.isdir(src):
                shutil.copytree(src, target, symlinks=False, dirs_exist_ok=True,
                                ignore_dangling_symlinks=True, copy_function=copy_resolving(path))
            else:
                shutil.copy2(src, target)
        if cand.deb and cand.deb[0] in DEBIAN_PROGRAMS:
            companion, program = DEBIAN_PROGRAMS[cand.deb[0]]
            shutil.copy2(os.path.join(fetch_deb(companion, cand.deb[1]), program),
                         os.path.join(bin_dir, os.path.basename(program)))


def copy_resolving(root):
    """A copy function that follows a Debian package's links into its own tree (or the
    same path in the package's unpacked companions)."""
    def copy(src, dst):
        if os.path.islink(src) and os.path.isabs(os.readlink(src)):
            inside = os.path.join(root, os.readlink(src).lstrip('/'))
            if os.path.exists(inside):
                return shutil.copy2(inside, dst)
            return None
        return shutil.copy2(src, dst)
    return copy


def cmd_build(args):
    pins = read_constraints(args.constraint)
    sources = Sources()
    picked = resolve(roots_of(args.requirement), args.python, sources, pins)
    dest = os.path.abspath(args.dest)
    site, bin_dir = os.path.join(dest, 'site'), os.path.join(dest, 'bin')
    # Only an environment this tool built (or an empty folder) is replaced.
    if os.path.isdir(dest) and os.listdir(dest) and not os.path.exists(os.path.join(dest, 'distributions.json')):
        die(f'{dest} is not empty and is no environment this tool built: give another --dest')
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(site)
    os.makedirs(bin_dir)
    rows = []
    for name in sorted(picked):
        cand, locked, note, _, _, _ = picked[name]
        if cand is None:
            rows.append((name, locked, '-', 'not run: ' + note))
            continue
        install(cand, site, bin_dir)
        for script, target in console_scripts(cand).items():
            module, _, func = target.partition(':')
            with open(os.path.join(bin_dir, script), 'w', encoding='utf-8') as f:
                f.write(f'#!/usr/bin/python3\nimport sys\nfrom {module} import {func.split(".")[0]}\n'
                        f'sys.exit({func}())\n')
            os.chmod(os.path.join(bin_dir, script), 0o755)
        rows.append((name, locked, cand.version, cand.source + (f'; {note}' if note else '')))
    with open(os.path.join(dest, 'distributions.json'), 'w', encoding='utf-8') as f:
        json.dump([dict(zip(('name', 'locked', 'ran', 'source'), r)) for r in rows], f, indent=1)
    header = ('distribution', 'locked', 'ran', 'source')
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    print(f'Python {args.python} environment from {os.path.relpath(args.constraint)} '
          f'({", ".join(os.path.basename(r) for r in args.requirement)}):')
    for row in [header, *rows]:
        print('  ' + '  '.join(cell.ljust(w) for cell, w in zip(row, widths)) + '  ' + row[3])
    unused = sorted(set(pins) - set(picked))
    if unused:
        print(f'  locked, not needed by these requirements: {", ".join(unused)}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    for name in ('lock', 'build'):
        p = sub.add_parser(name)
        p.add_argument('--python', required=True, help='the Python version (3.13, 3.14)')
        p.add_argument('-r', '--requirement', action='append', required=True)
        if name == 'lock':
            p.add_argument('--metadata-only', action='store_true',
                           help='lock for a Python no source here has builds for, from metadata alone')
        if name == 'build':
            p.add_argument('-c', '--constraint', required=True)
            p.add_argument('--dest', required=True)
    args = parser.parse_args()
    (cmd_lock if args.command == 'lock' else cmd_build)(args)


if __name__ == '__main__':
    main()
