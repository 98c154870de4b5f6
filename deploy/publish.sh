#!/usr/bin/env bash
# Builds the deployable folder for the systemd service: a single-file tcpchat-server (needs the .NET 10 runtime on
# the box), its appsettings.json, the unit file and the README. Usage: deploy/publish.sh [output-folder]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/tcpchat}"
rm -rf "$out"
dotnet publish TcpChat.Server -c Release -r linux-x64 --self-contained false \
  -p:PublishSingleFile=true -p:DebugType=none -o "$out"
cp deploy/tcpchat.service README.md "$out/"
echo "published to $out:"
ls -1 "$out"
