#!/usr/bin/env bash
# Rewrites src/Travelers.Runtime/PublicAPI.Unshipped.txt from the code: every public name not yet
# shipped. Review the diff: each new line is a promise to users. (dotnet format fixes RS0016 only on
# a single target framework, so the project is switched to net10.0 for the run and switched back.)
set -euo pipefail
cd "$(dirname "$0")/../src/Travelers.Runtime"
csproj=Travelers.Runtime.csproj
cp "$csproj" "$csproj.bak"
trap 'mv "$csproj.bak" "$csproj"' EXIT
sed -i 's#<TargetFrameworks>net8.0;net10.0</TargetFrameworks>#<TargetFramework>net10.0</TargetFramework>#' "$csproj"
printf '#nullable enable\n' > PublicAPI.Unshipped.txt
dotnet format analyzers "$csproj" --diagnostics RS0016 --severity warn
{ head -n 1 PublicAPI.Unshipped.txt; tail -n +2 PublicAPI.Unshipped.txt | LC_ALL=C sort; } > PublicAPI.Unshipped.sorted
mv PublicAPI.Unshipped.sorted PublicAPI.Unshipped.txt
