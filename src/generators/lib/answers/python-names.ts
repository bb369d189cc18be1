// Names a generated project package must not take: importing the project would
// shadow a module that Python, Django, Celery or the project itself imports.

// Top-level modules of the Python standard library (3.11 to 3.14, public names).
const STDLIB = `abc aifc annotationlib antigravity argparse array ast asynchat asyncio asyncore atexit audioop
base64 bdb binascii bisect builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop
collections colorsys compileall compression concurrent configparser contextlib contextvars copy copyreg crypt
csv ctypes curses dataclasses datetime dbm decimal difflib dis distutils doctest email encodings ensurepip
enum errno faulthandler fcntl filecmp fileinput fnmatch fractions ftplib functools gc genericpath getopt
getpass gettext glob graphlib grp gzip hashlib heapq hmac html http idlelib imaplib imghdr imp importlib
inspect io ipaddress itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap marshal
math mimetypes mmap modulefinder msilib msvcrt multiprocessing netrc nis nntplib nt ntpath nturl2path
numbers opcode operator optparse os ossaudiodev pathlib pdb pickle pickletools pipes pkgutil platform
plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat
queue quopri random re readline reprlib resource rlcompleter runpy sched secrets select selectors shelve
shlex shutil signal site smtpd smtplib sndhdr socket socketserver spwd sqlite3 sre_compile sre_constants
sre_parse ssl stat statistics string stringprep struct subprocess sunau symtable sys sysconfig syslog
tabnanny tarfile telnetlib tempfile termios test textwrap this threading time timeit tkinter token
tokenize tomllib trace traceback tracemalloc tty turtle turtledemo types typing unicodedata unittest
urllib uu uuid venv warnings wave weakref webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp
zipfile zipimport zlib zoneinfo`;

// Packages the generated project installs, and their own imports.
const DEPENDENCIES = `amqp anyio asgiref billiard celery click click_didyoumean click_plugins click_repl
cron_descriptor cronlog crontab crontabs dateutil django django_celery_beat flower gunicorn humanize idna kombu packaging prometheus_client prompt_toolkit psycopg
psycopg2 psycopg_binary pytz redis six sqlparse tornado typing_extensions timezone_field tzdata tzlocal vine wcwidth
watchfiles whitenoise
iniconfig pluggy py _pytest pygments pytest pytest_django ruff`;

// Modules Python imports by itself at start-up, and the packaging tools of the image:
// a project package of that name would run in their place.
const STARTUP_AND_TOOLS = 'sitecustomize usercustomize pip setuptools pkg_resources wheel _distutils_hack';

// Names the generated project itself uses at its top level.
const PROJECT = 'compose conftest manage media mediafiles polls requirements static staticfiles templates tests users';

// Python keywords (hard and soft) that a lowercase package name could collide with.
const KEYWORDS = `and as assert async await break case class continue def del elif else except finally
for from global if import in is lambda match nonlocal not or pass raise return try type while with yield`;

const words = (text: string) => text.split(/\s+/).filter(Boolean);

export const RESERVED_PACKAGE_NAMES: ReadonlyMap<string, string> = new Map([
  ...words(STDLIB).map(name => [name.toLowerCase(), 'a module of the Python standard library'] as const),
  ...words(DEPENDENCIES).map(name => [name, 'a package the project installs'] as const),
  ...words(STARTUP_AND_TOOLS).map(name => [name, 'a module Python or pip imports by itself'] as const),
  ...words(PROJECT).map(name => [name, 'a name the project already uses'] as const),
  ...words(KEYWORDS).map(name => [name, 'a Python keyword'] as const),
]);
