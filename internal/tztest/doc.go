// Package tztest gives tests named time zones (Europe/Paris,
// America/New_York). They come from the machine's zone database when it
// has one, else from the copy built into the test binary (time/tzdata), so
// that schedule tests also run on a machine without /usr/share/zoneinfo.
package tztest
