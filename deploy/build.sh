#!/bin/sh
# Builds the assistant from the repository alone: the Dockerfile runs this, and CI runs it
# outside Docker (.ci/run), so the image is built the way it is tested.
#   sh deploy/build.sh SOURCE VENV APP
# SOURCE: the repository; VENV: where to install (a virtual environment is made there);
# APP: the working directory to serve from (migrations, content, compiled catalogs).
set -eu
SRC=$1
VENV=$2
APP=$3
PYTHON=${PYTHON:-python3}

if "$PYTHON" -m venv "$VENV" 2>/dev/null && [ -x "$VENV/bin/pip" ]; then
  PIP="$VENV/bin/pip"
else  # a Python without ensurepip (Debian without python3-venv): the caller's pip installs
  rm -rf "$VENV"
  "$PYTHON" -m venv --without-pip "$VENV"
  PIP="$PYTHON -m pip --python $VENV/bin/python"
fi
$PIP install --no-cache-dir --disable-pip-version-check --quiet "$SRC"

mkdir -p "$APP"
cp -R "$SRC/alembic.ini" "$SRC/migrations" "$SRC/content" "$SRC/locales" "$APP/"
rm -f "$APP"/locales/*/LC_MESSAGES/*.mo
find "$APP" -name __pycache__ -prune -exec rm -rf {} +
# Compiled at build time: the running user cannot write there, and start-up is faster.
"$VENV/bin/pybabel" -q compile -d "$APP/locales" -D messages
# Broken content or an incomplete catalog fails the build, not the deploy.
cd "$APP" && "$VENV/bin/residents-bot" content check
