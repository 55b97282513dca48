#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make run: the main job's scenarios, the same hibernation and kexec on
# the series and on the unpatched base, at CPUS vCPUs with CYCLES cycles.
# Arguments: the runner's command line (run.sh and its options).
. "$(dirname "$0")/lib.sh"

OUT=$BUILD/run
S=$OUT/scenarios
rm -rf "$OUT"
c=("cpus ${CPUS:-4}" "cycles ${CYCLES:-2}")
"$@" --out "$OUT" \
	"$(scenario_file "$S" boot-nosmt "kind boot" "kernel patched" "cpus ${CPUS:-4}")" \
	"$(scenario_file "$S" hibernate-nosmt-series "kind hibernate" "kernel patched" "${c[@]}")" \
	"$(scenario_file "$S" "hibernate-nosmt-$BASE" "kind hibernate" "kernel base" "${c[@]}")" \
	"$(scenario_file "$S" kexec-nosmt-series "kind kexec" "kernels patched" "${c[@]}")" \
	"$(scenario_file "$S" "kexec-nosmt-$BASE" "kind kexec" "kernels base" "${c[@]}")"
