#!/usr/bin/env bash
# Starts a model from its packaged jar with a Java 21 or newer and the JVM settings in models/server.jvm, wherever the
# default `java` is older (Debian's default here is 17; the models need 21 for virtual threads).
#   ./model.sh channel-hub --port 8081 --broker redis://127.0.0.1:6380 --node A
# Build the jars first: ./mvnw -q package -DskipTests
set -euo pipefail
cd "$(dirname "$0")"
models=$(cd models && ls -d */ | tr -d / | tr '\n' ' ')
if [ $# -lt 1 ] || [ ! -d "models/$1" ]; then
  echo "usage: ./model.sh MODEL [FLAGS...], MODEL one of: $models(FLAGS: ./model.sh MODEL --help)" >&2
  exit 2
fi
model=$1
shift
jar=models/$model/target/$model.jar
[ -f "$jar" ] || { echo "no $jar: build the jars first with ./mvnw -q package -DskipTests" >&2; exit 2; }
# The first Java 21+ found: JAVA_HOME, then `java` on the PATH, then the JDKs installed under /usr/lib/jvm.
version() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
for candidate in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
  if [ -x "$candidate" ] && [ "$(version "$candidate")" -ge 21 ] 2>/dev/null; then
    # exec: the model is this process, so a signal sent to it reaches the model. models/server.jvm: its JVM settings.
    exec "$candidate" @models/server.jvm -jar "$jar" "$@"
  fi
done
echo "no Java 21 or newer found (JAVA_HOME, PATH, /usr/lib/jvm): the models need it for virtual threads" >&2
exit 2
