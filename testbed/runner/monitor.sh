# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2154 # sourced by run.sh: shares its variables
#
# monitor.sh - reading QEMU's monitor while a guest runs: where each vCPU
# is, machine checks and S3 wake-ups injected on cue from the console, and
# the report of a guest that hangs (run.sh sources it).

# stuck_watch LOG FROM: when a kernel says a CPU did not reach the
# trampoline's park loop, read where every vCPU is (hang_report: LOG.hang
# and a "MON: hang" line) while that CPU is still there; the next kernel's
# INIT would soon reset it.
stuck_watch() {
	local log=$1 from=$2 seen=0 n
	while kill -0 "$QPID" 2>/dev/null; do
		n=$(tail -n +"$from" "$log" 2>/dev/null | grep -c 'did not reach the park loop')
		if [ "$n" -gt "$seen" ]; then
			seen=$n
			hang_report "$log"
		fi
		sleep 0.1
	done
}

# The machine check the mce scenarios inject: uncorrected, processor
# context corrupt (VAL|UC|EN|PCC in MCi_STATUS of bank 1, MCIP in
# MCG_STATUS), i.e. fatal to whatever kernel handles it.  A CPU whose
# CR4.MCE is clear (as INIT leaves it) cannot take it and shuts the
# machine down instead (SDM 15.10.1), which QEMU does by resetting it.
MCE_ARGS="1 0xb200000000000000 0x4 0 0"

# cpu_state CPU: RIP, CS base, CR4 and HLT of one vCPU, from the monitor.
cpu_state() {
	qemu_monitor "info registers -a" | tr -d '\r' |
		awk -v c="CPU#$1" '$1 == c { on = 1; next } /^CPU#/ { on = 0 }
			on && /^(RIP|EIP)=/ { rip = $1 }
			on && /HLT=/ { for (i = 1; i <= NF; i++) if ($i ~ /^HLT=/) h = $i }
			on && /^CS =/ { cs = $3 }
			on && /CR4=/ { for (i = 1; i <= NF; i++) if ($i ~ /^CR4=/) cr4 = $i }
			END { if (rip != "") print rip, "CS.base=" cs, cr4, h }'
}

# mce_watch LOG FROM CPU: each time a kernel says it holds its parked APs
# (handoff_nmi_inject), inject MCES machine checks into CPU, 1 s apart,
# and log QEMU's answer to each as "MON: mce ..." (empty answer:
# delivered; QEMU refuses one while MCG_STATUS.MCIP is still set, and
# resets the machine as a processor would shut down).
mce_watch() {
	local log=$1 from=$2 cpu=$3 seen=0 n r i
	while kill -0 "$QPID" 2>/dev/null; do
		n=$(tail -n +"$from" "$log" 2>/dev/null |
			grep -c 'handoff_nmi_inject: [a-z]*: holding')
		if [ "$n" -gt "$seen" ]; then
			seen=$n
			for i in $(seq "${MCES:-1}"); do
				[ "$i" = 1 ] || sleep 1
				echo "MON: before mce cpu=$cpu: $(cpu_state "$cpu")" >>"$log"
				r=$(qemu_monitor "mce $cpu $MCE_ARGS" | tr -d '\r' |
					grep -v -e '^QEMU .*monitor' -e '^(qemu)' |
					sed 's/(qemu)//g' | tr '\n' ' ' | sed 's/ *$//')
				echo "MON: mce cpu=$cpu hold=$seen: ${r:-delivered}" >>"$log"
			done
		fi
		sleep 0.1
	done
}

# s3_watch LOG FROM: each time the guest says it suspends to RAM ("CH: S3
# suspend"), wait until QEMU has it suspended, then wake it up, as a
# wakeup event would.  QEMU resets every vCPU for S3; the firmware resumes
# the boot CPU, and the offline ones stay where the reset left them.
s3_watch() {
	local log=$1 from=$2 seen=0 n i st
	while kill -0 "$QPID" 2>/dev/null; do
		n=$(tail -n +"$from" "$log" 2>/dev/null | grep -c 'CH: S3 suspend')
		if [ "$n" -gt "$seen" ]; then
			seen=$n
			for i in $(seq 300); do
				st=$(qemu_monitor "info status" | tr -d '\r' |
					grep -o 'VM status.*')
				case $st in *suspended*) break ;; esac
				sleep 0.1
			done
			sleep 1
			echo "MON: S3 ${st:-no status}; system_wakeup" >>"$log"
			qemu_monitor system_wakeup >/dev/null
		fi
		sleep 0.1
	done
}

# where_watch LOG FROM: at each "CH: WHERE ... offline=LIST" line (the
# guest then sleeps), read every vCPU's registers and say where each
# offline CPU is.  Between handoffs an offline CPU belongs in its kernel's
# play_dead(), never in wait-for-SIPI (CR4.MCE clear; QEMU shows it at the
# reset vector, CS base 0xffff0000, RIP 0xfff0), and in the trampoline's
# park loop (the page at CPU_HANDOFF_TRAMPOLINE_VADDR; its HLT is C1) only
# where play_dead() would wait in HLT anyway and the trampoline is chosen
# (WHERE_PARKLOOP=1, the scenario's waitin).
where_watch() {
	local log=$1 from=$2 seen=0 n line list regs c cpus
	while kill -0 "$QPID" 2>/dev/null; do
		n=$(tail -n +"$from" "$log" 2>/dev/null | grep -c 'CH: WHERE ')
		if [ "$n" -gt "$seen" ]; then
			seen=$n
			line=$(tail -n +"$from" "$log" | grep 'CH: WHERE ' | sed -n "${n}p")
			list=$(echo "$line" | sed -n 's/.*offline=\([0-9,-]*\).*/\1/p')
			cpus=""
			for c in $(echo "$list" | tr ',' ' '); do
				case $c in
				*-*) cpus="$cpus $(seq "${c%-*}" "${c#*-}" | tr '\n' ' ')" ;;
				*) cpus="$cpus $c" ;;
				esac
			done
			regs=$(qemu_monitor "info registers -a" | tr -d '\r')
			for c in $cpus; do
				echo "$regs" | awk -v c="CPU#$c" -v cpu="$c" -v tag="$n" \
					-v parkloop="${WHERE_PARKLOOP:-}" '
				$1 == c { on = 1; next } /^CPU#/ { on = 0 }
				on && /^RIP=/ { rip = substr($1, 5) }
				on && /^CS =/ { base = $3 }
				on && /HLT=/ { h = $0; sub(/.*HLT=/, "", h); hlt = substr(h, 1, 1) }
				END {
					r = tolower(rip); b = tolower(base)
					at = "probe=" tag " cpu=" cpu
					bad = "MON: WHERE-BAD " at
					if (rip == "")
						print bad ": no registers"
					else if (substr(r, 1, 13) == "ffffffffff5ff" && parkloop != 1)
						print bad " in the trampoline page (RIP=" rip ")"
					else if (substr(r, 1, 13) == "ffffffffff5ff")
						print "MON: where " at " RIP=" rip " HLT=" hlt " parkloop"
					else if (b ~ /^0*ffff0000$/ && r ~ /^0*fff0$/)
						print bad " in wait-for-SIPI (RIP=" rip ")"
					else
						print "MON: where " at " RIP=" rip " HLT=" hlt
				}' >>"$log"
			done
		fi
		sleep 0.1
	done
}

# Did QEMU itself crash during this scenario (not the guest)?  Prints the
# signal.  129..159 are signals; 143 is the SIGTERM qemu_stop sends.
qemu_crashed() {
	local f st
	for f in "$1".exit.*; do
		[ -f "$f" ] || continue
		st=$(cat "$f")
		if [ "$st" -gt 128 ] && [ "$st" -lt 160 ] && [ "$st" != 143 ]; then
			echo "signal $((st - 128))"
			return 0
		fi
	done
	return 1
}

# hang_report LOG: what a guest that stopped making progress was doing,
# read before QEMU is stopped: the last console line and how long ago it
# came, and each vCPU's RIP (with the nearest text symbol of the kernel
# QEMU booted, which in a kexec chain may not be the one running), HLT
# state and CS base (0xffff0000 with RIP 0xfff0: wait-for-SIPI).  The
# whole register dump goes to LOG.hang; the summary, one line, is what
# the TAP output shows of a CI failure whose logs are gone.
hang_report() {
	local log=$1 line now map regs
	line=$(grep -a -E '^[0-9]+\.[0-9]+ ' "$log" |
		grep -av -E '^[0-9.]+ (qemu-system|MON: )' | tail -n1)
	now=$(date +%s)
	if [ -n "$line" ]; then
		HANG_LAST="last console line $(echo "${line%% *} $now" |
			awk '{ printf "%.0fs before: ", $2 - $1 }')'${line#* }'"
	else
		HANG_LAST="no console line"
	fi
	HANG_LAST=$(printf '%s' "$HANG_LAST" | cut -c1-200)
	HANG_CPUS=""
	[ "$EMU_NAME" = QEMU ] || return 0
	regs=$(qemu_monitor "info registers -a" | tr -d '\r')
	printf '%s\n' "$regs" >"$log.hang"
	map=$(dirname "$QKERNEL")/../../../System.map
	[ -f "$map" ] || map=/dev/null
	HANG_CPUS=$(printf '%s\n' "$regs" | awk -v map="$map" "$HANG_SYMS"'
		function out() {
			if (cpu == "") return
			r = tolower(rip)
			where = (base ~ /^0*ffff0000$/ && r ~ /^0*fff0$/) ? "(wait-for-SIPI)" : \
				(substr(r, 1, 13) == "ffffffffff5ff") ? "(trampoline)" : sym(r)
			if (where != "" && substr(where, 1, 1) != "(") where = "(" where ")"
			printf "%s%s:%s%s%s", sep, cpu, rip, where, hlt == "HLT=1" ? ",HLT" : ""
			sep = " "
		}
		/^CPU#/ { out(); cpu = substr($1, 5); rip = ""; base = ""; hlt = "" }
		/^(RIP|EIP)=/ { rip = substr($1, 5) }
		/HLT=/ { for (i = 1; i <= NF; i++) if ($i ~ /^HLT=/) hlt = $i }
		/^CS =/ { base = $3 }
		END { out() }')
	# The words on each vCPU's stack that are text addresses, nearest
	# each as its nearest symbol: a backtrace of the guesses show_stack()
	# marks "?".
	printf '%s\n' "$regs" | awk '/^CPU#/ { c = substr($1, 5) }
		/RSP=/ { for (i = 1; i <= NF; i++) if ($i ~ /^RSP=/) print c, substr($i, 5) }' |
	while read -r c sp; do
		printf 'CPU#%s stack:' "$c"
		qemu_monitor "cpu $c" "x/64gx 0x$sp" | tr -d '\r' |
			grep -aE '^[0-9a-f]+: 0x' | cut -d: -f2- | tr ' ' '\n' |
			sed -n 's/^0x//p' | awk -v map="$map" "$HANG_SYMS"' {
				r = tolower($1); w = sym(r); if (w != "") printf " %s", w }'
		echo
	done >>"$log.hang"
	echo "MON: hang: $HANG_LAST; vCPUs $HANG_CPUS" >>"$log"
}

# The awk of hang_report that finds the text symbol at or before an
# address (16 hex digits, compared as strings) in System.map "map".
HANG_SYMS='
	BEGIN {
		while ((getline l < map) > 0) {
			split(l, f, " ")
			if (f[2] ~ /^[tTwW]$/) { n++; a[n] = tolower(f[1]); s[n] = f[3] }
		}
	}
	function sym(rip,   lo, hi, mid) {
		if (n == 0 || length(rip) != 16 || rip < a[1] || rip > a[n]) return ""
		lo = 1; hi = n
		while (lo < hi) {
			mid = int((lo + hi + 1) / 2)
			if (a[mid] <= rip) lo = mid; else hi = mid - 1
		}
		return s[lo]
	}'

# qemu_monitor CMD...: send monitor commands (experiments, fault
# injection, hang reports) one after another and print what QEMU answers.
# Each answer is read up to the prompt that follows it, for at most 10 s:
# "info registers -a" of 32 vCPUs is longer than one read.  The banner
# comes first, and each command's echo after a "(qemu) " prompt, as one
# read of the socket used to print them: callers drop those lines.
qemu_monitor() {
	perl -MIO::Socket::UNIX -MIO::Select -e '
		my $s = IO::Socket::UNIX->new(Peer => shift) or die "monitor: $!\n";
		my $sel = IO::Select->new($s);
		sub upto_prompt {
			my ($buf, $end) = ("", time + 10);
			while (time < $end && $sel->can_read(0.5)) {
				sysread($s, my $b, 65536) or last;
				$buf .= $b;
				last if $buf =~ /\n\(qemu\) $/ || ($_[0] && $buf =~ /\(qemu\) $/);
			}
			return $buf;
		}
		print upto_prompt(1);
		for my $cmd (@ARGV) {
			$s->print("$cmd\n");
			print upto_prompt(0);
		} ' "$MONSOCK" "$@"
}
