// SPDX-License-Identifier: GPL-2.0
/*
 * How CPUs are parked for a handoff between kernels, decided once at boot.
 *
 * cpu_handoff= names a method, or "off" for the old behaviour, or "auto"
 * (the default), which takes INIT unless this machine cannot use it or
 * should not (a BIOS on the SMI quirk list), then the fixed-address
 * trampoline where it is built in.  A bad value is reported and "auto"
 * used.
 */

#define pr_fmt(fmt) "cpu_handoff: " fmt

#include <linux/cache.h>
#include <linux/init.h>
#include <linux/sprintf.h>
#include <linux/string.h>

#include "cpu_handoff.h"

/* In the order cpu_handoff=auto prefers them. */
static const struct handoff_method *const methods[] = {
	&handoff_init_method,
	HANDOFF_TRAMPOLINE_METHOD,
};

/* The chosen method, NULL for the old behaviour, and why. */
const struct handoff_method *handoff_chosen __ro_after_init;
char handoff_policy_why[160] __ro_after_init;

/* For the log: what each handoff is called. */
const char * const handoff_reason_names[] = {
	[CPU_HANDOFF_RESTORE]	 = "restore",
	[CPU_HANDOFF_KEXEC]	 = "kexec",
	[CPU_HANDOFF_KEXEC_JUMP] = "kexec-jump",
};

static char mode_arg[16] __initdata;
static bool mode_arg_cut __initdata;

static int __init cpu_handoff_setup(char *arg)
{
	/* No valid value is this long: say it was cut, do not guess. */
	if (strscpy(mode_arg, arg ? arg : "", sizeof(mode_arg)) < 0)
		mode_arg_cut = true;
	return 0;
}
early_param("cpu_handoff", cpu_handoff_setup);

static const struct handoff_method *find_method(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(methods); i++)
		if (methods[i] && !strcmp(methods[i]->name, name))
			return methods[i];
	return NULL;
}

static const char *method_unusable(const struct handoff_method *m)
{
	return m->unusable ? m->unusable() : NULL;
}

/* cpu_handoff=auto: the first usable method this machine does not avoid. */
static const struct handoff_method *pick_auto(void)
{
	size_t n = strlen(handoff_policy_why);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(methods); i++) {
		const struct handoff_method *m = methods[i];
		const char *why, *what = "unusable";

		if (!m)
			continue;
		why = method_unusable(m);
		if (!why && m->avoid) {
			why = m->avoid();
			what = "avoided";
		}
		if (!why)
			return m;
		n += scnprintf(handoff_policy_why + n, sizeof(handoff_policy_why) - n,
			       "; %s %s: %s", m->name, what, why);
	}
	return NULL;
}

/* Resolve cpu_handoff= before SMP bringup. */
static int __init cpu_handoff_policy_init(void)
{
	const struct handoff_method *b = NULL;
	bool automatic = true;
	char names[64] = "";
	unsigned int i;
	size_t n = 0;
	const char *why;

	/* Before the choice: it decides whether the trampoline can be used. */
	handoff_trampoline_setup();

	for (i = 0; i < ARRAY_SIZE(methods); i++)
		if (methods[i])
			n += scnprintf(names + n, sizeof(names) - n, ", %s", methods[i]->name);

	strscpy(handoff_policy_why, "auto", sizeof(handoff_policy_why));
	if (mode_arg_cut) {
		pr_warn("unknown cpu_handoff=%s...; accepted: auto, off%s; using auto\n",
			mode_arg, names);
	} else if (!strcmp(mode_arg, "off")) {
		strscpy(handoff_policy_why, "cpu_handoff=off", sizeof(handoff_policy_why));
		automatic = false;
	} else if (mode_arg[0] && strcmp(mode_arg, "auto")) {
		b = find_method(mode_arg);
		if (!b)
			pr_warn("unknown cpu_handoff=%s; accepted: auto, off%s; using auto\n",
				mode_arg, names);
	}

	if (b) {
		why = method_unusable(b);
		if (why) {
			pr_warn("cpu_handoff=%s cannot be used here (%s); using auto\n",
				b->name, why);
			scnprintf(handoff_policy_why, sizeof(handoff_policy_why),
				  "auto; cpu_handoff=%s unusable: %s", b->name, why);
		} else {
			handoff_chosen = b;
			automatic = false;
			scnprintf(handoff_policy_why, sizeof(handoff_policy_why),
				  "cpu_handoff=%s", b->name);
		}
	}
	if (automatic)
		handoff_chosen = pick_auto();

	if (!handoff_chosen) {
		pr_info("CPUs are parked as without this option (%s)\n", handoff_policy_why);
		return 0;
	}
	pr_info("handoffs park CPUs with %s (%s)\n", handoff_chosen->name, handoff_policy_why);
	if (handoff_chosen->select)
		handoff_chosen->select();
	return 0;
}
early_initcall(cpu_handoff_policy_init);

/**
 * handoff_method_for() - the method one handoff parks CPUs with
 * @reason: the handoff
 *
 * The same answer for every caller during a handoff, so that CPUs that
 * park themselves and the controlling CPU agree.
 *
 * Return: the chosen method, unless it refuses this handoff (it would
 * overwrite its park loop); then the other usable one that does not; else
 * NULL, for the old behaviour.
 */
const struct handoff_method *handoff_method_for(enum cpu_handoff_reason reason)
{
	const struct handoff_method *c = handoff_chosen;
	unsigned int i;

	if (!c)
		return NULL;
	if (!c->refuse || !c->refuse(reason))
		return c;
	for (i = 0; i < ARRAY_SIZE(methods); i++) {
		const struct handoff_method *m = methods[i];

		if (!m || m == c || method_unusable(m))
			continue;
		if (!m->refuse || !m->refuse(reason))
			return m;
	}
	return NULL;
}

/**
 * handoff_report_fallback() - say why a handoff does not use the chosen method
 * @reason: the handoff
 * @used: what handoff_method_for() returned for it
 *
 * Context: the controlling CPU, once per handoff.
 */
void handoff_report_fallback(enum cpu_handoff_reason reason,
			     const struct handoff_method *used)
{
	if (used == handoff_chosen)
		return;
	pr_warn("%s: %s cannot be used for this handoff (%s); %s\n",
		handoff_reason_names[reason], handoff_chosen->name, handoff_chosen->refuse(reason),
		used ? used->name : "CPUs are left halted in this kernel, as without this option");
}
